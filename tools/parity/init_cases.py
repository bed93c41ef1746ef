# SPDX-License-Identifier: Apache-2.0
"""Trees written by `sm-train init`, as cases for the parity harness.

Runs `sm-train init` with flag sets that cover every encoding it writes (ints,
floats, bools, strings with spaces and quotes, lists, dicts, unicode, the
script-mode and distribution keys, several hosts, heterogeneous groups), and
saves each tree as a case file of parity.py. Then the toolkit reads the very
bytes init wrote and must give what smtrain gives:

    python3 tools/parity/init_cases.py --build build/dev --out /tmp/init-cases
    python3 tools/parity/parity.py --build build/dev --case /tmp/init-cases/*.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

FLAG_SETS = [
    ["--hp", "epochs=3", "--hp", "lr=0.1", "--hp", "flag=true", "--hp", "off=false", "--hp", "opt=adam",
     "--hp", 'name=two words "quoted"', "--hp", "betas=[0.9, 0.999]", "--hp", 'cfg={"a": 1, "b": [true, null]}',
     "--hp", "big=123456789012345678901234567890", "--hp", "empty=", "--hp", "x=1e-3", "--hp", "caf\u00e9=na\u00efve"],
    ["--entry-point", "train.py", "--source-dir", "{src}", "--hp", "epochs=2", "--job-name", "my-job",
     "--region", "eu-west-1", "--channel", "train={data}", "--channel", "validation={data}"],
    ["--hosts", "3", "--current-host", "algo-2", "--distribution", "torch_distributed",
     "--instance-type", "ml.p4d.24xlarge", "--hp", "k=1"],
    ["--hosts", "2", "--distribution", "mpi", "--processes-per-host", "4", "--custom-mpi-options",
     "-x NCCL_DEBUG=INFO --verbose"],
    ["--instance-group", "cpu:ml.c5.xlarge:1", "--instance-group", "gpu:ml.p3.2xlarge:2", "--current-host",
     "algo-3", "--distribution", "smdistributed", "--distribution-group", "gpu"],
    ["--host", "a", "--host", "b", "--current-host", "b", "--distribution", "pytorchddp",
     "--network-interface", "ens5"],
    ["--distribution", "parameter_server", "--hps", "{hps}"],
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", required=True)
    opts = ap.parse_args()
    sm_train = os.path.join(opts.build, "src", "launcher", "sm-train")
    os.makedirs(opts.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="init-cases-") as work:
        src, data = os.path.join(work, "src"), os.path.join(work, "data")
        os.makedirs(src)
        os.makedirs(data)
        with open(os.path.join(src, "train.py"), "w") as f:
            f.write("print('hi')\n")
        with open(os.path.join(data, "rows.csv"), "w") as f:
            f.write("1,2\n")
        hps = os.path.join(work, "hps.json")
        with open(hps, "w") as f:
            json.dump({"layers": [64, 32], "dropout": 0.5, "tag": "v 1", "nested": {"x": {"y": False}}}, f)
        for n, flags in enumerate(FLAG_SETS):
            tree = os.path.join(work, "tree-%d" % n)
            argv = [sm_train, "init", tree] + [a.replace("{src}", src).replace("{data}", data).replace("{hps}", hps) for a in flags]
            subprocess.run(argv, check=True, capture_output=True)
            config = os.path.join(tree, "input", "config")
            with open(os.path.join(config, "hyperparameters.json"), encoding="utf-8") as f:
                hyperparameters_text = f.read()
            with open(os.path.join(config, "resourceconfig.json"), encoding="utf-8") as f:
                resourceconfig = json.load(f)
            with open(os.path.join(config, "inputdataconfig.json"), encoding="utf-8") as f:
                inputdataconfig = json.load(f)
            case = {
                "hyperparameters": json.loads(hyperparameters_text),
                "hyperparameters_text": hyperparameters_text,
                "resourceconfig": resourceconfig,
                "inputdataconfig": inputdataconfig,
                "code_files": sorted(os.listdir(os.path.join(tree, "code"))),
                "env": {},
                "machine": {"num_cpus": 4, "num_gpus": 0, "num_neurons": 0, "smddprun": False, "smddpmprun": False},
            }
            path = os.path.join(opts.out, "init-%d.json" % n)
            with open(path, "w") as f:
                json.dump(case, f, indent=1)
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
