# SPDX-License-Identifier: Apache-2.0
"""The container tests' program (tests/containers/run.sh), run by sm-train:
  job.py --mode exit --code N   says so on stderr and exits N;
  job.py --mode wait            creates model/started and waits; its SIGTERM
                                handler writes model/sigterm.txt, then the
                                program dies of the signal as an unhandled one would.
"""
import argparse
import os
import signal
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["exit", "wait"], required=True)
    parser.add_argument("--code", type=int, default=0)
    args = parser.parse_args()
    model_dir = os.environ["SM_MODEL_DIR"]

    if args.mode == "exit":
        print(f"failing on purpose with exit code {args.code}", file=sys.stderr)
        sys.exit(args.code)

    def on_sigterm(signum, _frame):
        # The parent pid shows who forwarded the signal: sm-train as the container's PID 1.
        with open(os.path.join(model_dir, "sigterm.txt"), "w") as f:
            f.write(f"signal {signum}, parent pid {os.getppid()}\n")
        print("SIGTERM handled: checkpoint saved", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_sigterm)
    open(os.path.join(model_dir, "started"), "w").close()
    print("waiting for SIGTERM", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
