#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Manual benchmark (issue 6): a program writes N GiB of log lines to stderr, or one
N GiB line, through sm-train to /dev/null; prints sm-train's wall time, throughput and
peak RSS (wait4's ru_maxrss: the largest of sm-train and the shell pipeline it ran).

    bench/log_flood.py build/src/launcher/sm-train 10          # 10 GiB of lines
    bench/log_flood.py build/src/launcher/sm-train 1 --one-line
"""
import argparse
import json
import os
import shutil
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sm_train")
    ap.add_argument("gib", type=float)
    ap.add_argument("--one-line", action="store_true", help="one line of N GiB instead of ordinary lines")
    args = ap.parse_args()
    size = int(args.gib * (1 << 30))
    root = tempfile.mkdtemp(prefix="smtrain-flood-")
    try:
        base = os.path.join(root, "opt_ml")
        cfg = os.path.join(base, "input", "config")
        os.makedirs(cfg)
        os.makedirs(os.path.join(base, "code"))
        with open(os.path.join(cfg, "resourceconfig.json"), "w") as f:
            json.dump({"current_host": "algo-1", "hosts": ["algo-1"]}, f)
        with open(os.path.join(cfg, "inputdataconfig.json"), "w") as f:
            f.write("{}")
        with open(os.path.join(cfg, "hyperparameters.json"), "w") as f:
            json.dump({"sagemaker_program": '"flood.sh"', "sagemaker_container_log_level": "30"}, f)
        if args.one_line:
            body = f"head -c {size} /dev/zero | tr '\\0' x >&2\n"
        else:
            body = f"yes 'step 1000/100000 loss=0.1234 lr=0.001 throughput=1234.5 samples/s' | head -c {size} >&2\n"
        script = os.path.join(base, "code", "flood.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(script, 0o755)
        env = {"PATH": "/usr/bin:/bin", "HOME": root, "SAGEMAKER_BASE_DIR": base, "SM_STUDIO_LOCAL_MODE": "true"}
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            null = os.open("/dev/null", os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.execve(args.sm_train, [args.sm_train, "train"], env)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.monotonic() - start
        print(f"{args.gib:g} GiB {'in one line' if args.one_line else 'of lines'}: exit {os.waitstatus_to_exitcode(status)}, "
              f"{seconds:.2f} s, {args.gib / seconds:.2f} GiB/s, max RSS {usage.ru_maxrss} KiB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
