#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""SMTRAIN_ARGS end to end: sm-train runs a real Python program whose real
parser reads the arguments (OmegaConf's from_cli for `hydra`, since Debian
packages no Hydra; argparse with store_true for `flags`; argparse for a
template), from hyperparameters as the SDK encodes them. Also: a module
entry point under the plain process runner, what --dry-run and `sm-train env`
show, and the bad inputs (an unknown placeholder, a name Hydra cannot take):
exit 65, one line on stderr, the same text in output/failure.

usage: argument_styles_test.py SM_TRAIN
Exit 77 (skipped) only when OmegaConf is missing, after the other checks pass.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SM_TRAIN = os.path.realpath(sys.argv[1])
# The programs run with Debian's interpreter, where python3-omegaconf installs.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
HAS_OMEGACONF = subprocess.run([PYTHON, "-c", "import omegaconf"], capture_output=True).returncode == 0

# Every hyperparameter type, as the SDK writes it: json.dumps of each value.
SDK_ENCODED = {
    "lr": "0.1", "epochs": "3", "name": "\"two words\"", "layers": "[1, 2]", "use_amp": "true",
    "fp16": "false", "trainer.max_epochs": "5", "opt": "{\"kind\": \"adam\", \"beta\": 0.9}",
    "none": "null", "path": "\"/data/x\"", "s": "\"true\"", "q": "\"it's\"", "empty": "\"\"",
    "small": "1e-05", "interp": "\"${oc.env:HOME}\"", "comma": "\"a,b=c\"", "num_text": "\"007\"",
}
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


class Job:
    def __init__(self, hyperparameters, program_name="train.py", program=None):
        self.root = tempfile.mkdtemp(prefix="smtrain-argument-styles-")
        self.base = os.path.join(self.root, "opt", "ml")
        config = os.path.join(self.base, "input", "config")
        os.makedirs(config)
        os.makedirs(os.path.join(self.base, "code"))
        self.write("input/config/resourceconfig.json", '{"current_host": "algo-1", "hosts": ["algo-1"]}')
        self.write("input/config/inputdataconfig.json", "{}")
        self.write("input/config/hyperparameters.json", json.dumps(hyperparameters))
        if program is not None:
            self.write("code/" + program_name, program)

    def write(self, relative, text):
        path = os.path.join(self.base, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def run(self, *args, **settings):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SAGEMAKER_BASE_DIR": self.base,
               "SMTRAIN_PYTHON": PYTHON, "HOME": self.root, "SM_STUDIO_LOCAL_MODE": "true", **settings}
        return subprocess.run([SM_TRAIN, *args], env=env, capture_output=True, text=True, timeout=60)

    def seen(self):
        with open(os.path.join(self.base, "model", "seen.json")) as f:
            return json.load(f)

    def failure(self):
        path = os.path.join(self.base, "output", "failure")
        return open(path).read() if os.path.exists(path) else None

    def close(self):
        shutil.rmtree(self.root)


DUMP = """
import json, os
def dump(value):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "seen.json"), "w") as f:
        json.dump(value, f)
"""

HYDRA_PROGRAM = DUMP + """
import sys
from omegaconf import OmegaConf
cfg = OmegaConf.from_cli(sys.argv[1:])
dump({"argv": sys.argv[1:], "cfg": OmegaConf.to_container(cfg, resolve=True)})
"""

FLAGS_PROGRAM = DUMP + """
import argparse
p = argparse.ArgumentParser()
p.add_argument("--use_amp", action="store_true")
p.add_argument("--fp16", action="store_true")
p.add_argument("--lr", type=float)
p.add_argument("--epochs", type=int)
p.add_argument("--name")
p.add_argument("--layers")
args, unknown = p.parse_known_args()
dump({"args": vars(args), "unknown": unknown})
"""

TEMPLATE_PROGRAM = DUMP + """
import argparse, sys
p = argparse.ArgumentParser()
p.add_argument("--name")
p.add_argument("--layers")
p.add_argument("--use-amp")
p.add_argument("--lr", type=float)
p.add_argument("--epochs", type=int)
p.add_argument("--opt")
p.add_argument("rest", nargs="*")
dump({"args": vars(p.parse_args()), "argv": sys.argv[1:]})
"""


def hydra_style():
    job = Job(SDK_ENCODED, program=HYDRA_PROGRAM)
    try:
        r = job.run("train", SMTRAIN_ARGS="hydra", SAGEMAKER_PROGRAM="train.py")
        check(r.returncode == 0, "hydra: the program ran (%d: %s)" % (r.returncode, r.stderr[-500:]))
        if r.returncode != 0:
            return
        seen = job.seen()
        expected = {
            "lr": 0.1, "epochs": 3, "name": "two words", "layers": [1, 2], "use_amp": True, "fp16": False,
            "trainer": {"max_epochs": 5}, "opt": {"kind": "adam", "beta": 0.9}, "none": None,
            "path": "/data/x", "s": "true", "q": "it's", "empty": "", "small": 1e-05,
            "interp": "${oc.env:HOME}", "comma": "a,b=c", "num_text": "007",
        }
        for key, value in expected.items():
            got = seen["cfg"].get(key)
            check(got == value and type(got) is type(value),
                  "hydra: OmegaConf.from_cli gives %s = %r (got %r)" % (key, value, got))
        check(len(seen["cfg"]) == len(expected), "hydra: nothing else in the config: %s" % sorted(seen["cfg"]))
    finally:
        job.close()


def flags_style():
    job = Job(SDK_ENCODED, program=FLAGS_PROGRAM)
    try:
        r = job.run("train", SMTRAIN_ARGS="flags", SAGEMAKER_PROGRAM="train.py")
        check(r.returncode == 0, "flags: the program ran (%d: %s)" % (r.returncode, r.stderr[-500:]))
        if r.returncode != 0:
            return
        args = job.seen()["args"]
        check(args["use_amp"] is True, "flags: store_true --use_amp is set")
        check(args["fp16"] is False, "flags: false drops --fp16, so store_true leaves it False")
        check(args["lr"] == 0.1 and args["epochs"] == 3, "flags: --lr 0.1 --epochs 3 typed by argparse")
        check(args["name"] == "two words" and args["layers"] == "[1, 2]", "flags: other values as argparse's")
        # The same program under the default style: `--fp16 False` turns store_true on.
        r = job.run("train", SAGEMAKER_PROGRAM="train.py")
        seen = job.seen() if r.returncode == 0 else {}
        check(seen.get("args", {}).get("fp16") is True and "False" in seen.get("unknown", []),
              "argparse (default): store_true takes the toolkit's '--fp16 False' as set")
    finally:
        job.close()


def template_style():
    job = Job(SDK_ENCODED, program=TEMPLATE_PROGRAM)
    template = ('["train.py", "--name", "{name}", "--layers", "{layers}", "--use-amp={use_amp}", "--lr", "{lr}",'
                ' "--epochs", "{epochs}", "--opt", "{opt}", "trainer.max_epochs={trainer.max_epochs}",'
                ' "q={q}", "none={none}", "{{literal}}"]')
    try:
        r = job.run("train", SMTRAIN_ARGS=template)
        check(r.returncode == 0, "template: the program ran (%d: %s)" % (r.returncode, r.stderr[-500:]))
        if r.returncode != 0:
            return
        seen = job.seen()
        check(seen["argv"] == ["--name", "two words", "--layers", "[1, 2]", "--use-amp=True", "--lr", "0.1",
                               "--epochs", "3", "--opt", "beta=0.9,kind=adam", "trainer.max_epochs=5",
                               "q=it's", "none=", "{literal}"],
              "template: the exact argv, every type substituted: %s" % seen["argv"])
        args = seen["args"]
        check(args["name"] == "two words" and args["lr"] == 0.1 and args["epochs"] == 3,
              "template: argparse reads the substituted values")
        # Whitespace-separated form, with no program file in the template's words' way.
        r = job.run("train", SMTRAIN_ARGS="train.py --lr {lr} trainer.max_epochs={trainer.max_epochs}")
        check(r.returncode == 0 and job.seen()["argv"] == ["--lr", "0.1", "trainer.max_epochs=5"],
              "template: the blank-separated form")
        # Unknown placeholder: exit 65, one line naming it, output/failure the same.
        r = job.run("train", SMTRAIN_ARGS="train.py --lr {lr} --warmup {warmup}")
        message = "SMTRAIN_ARGS: the template names {warmup}, which is not a hyperparameter"
        check(r.returncode == 65, "template: unknown placeholder exits 65 (got %d)" % r.returncode)
        lines = [line for line in r.stderr.splitlines() if "warmup" in line]
        check(len(lines) == 1 and message in lines[0], "template: one stderr line names it: %r" % r.stderr)
        check(message in (job.failure() or ""), "template: output/failure names it: %r" % job.failure())
    finally:
        job.close()


def hydra_cannot_express():
    job = Job({"my key": "1"}, program="raise SystemExit('never run')\n")
    try:
        r = job.run("train", SMTRAIN_ARGS="hydra", SAGEMAKER_PROGRAM="train.py")
        message = "Hydra cannot take 'my key' as an override key"
        check(r.returncode == 65, "hydra: a name it cannot take exits 65 (got %d)" % r.returncode)
        lines = [line for line in r.stderr.splitlines() if "my key" in line]
        check(len(lines) == 1 and message in lines[0], "hydra: one stderr line names it: %r" % r.stderr)
        check(message in (job.failure() or ""), "hydra: output/failure names it")
        r = job.run("train", SMTRAIN_ARGS="hyrda", SAGEMAKER_PROGRAM="train.py")
        check(r.returncode == 65 and "SMTRAIN_ARGS: expected argparse, hydra" in r.stderr,
              "a misspelt style exits 65 naming SMTRAIN_ARGS")
    finally:
        job.close()


def module_and_views():
    hps = {"sagemaker_program": "\"pkg.main:\"", "use_amp": "true", "lr": "0.5", "name": "\"two words\""}
    job = Job(hps)
    job.write("code/pkg/__init__.py", "")
    job.write("code/pkg/main.py", DUMP + "import sys\ndump({'spec': __spec__.name, 'argv': sys.argv[1:]})\n")
    try:
        r = job.run("train", SMTRAIN_ARGS="flags")
        check(r.returncode == 0, "module: pkg.main: ran (%d: %s)" % (r.returncode, r.stderr[-500:]))
        if r.returncode == 0:
            seen = job.seen()
            check(seen == {"spec": "pkg.main", "argv": ["--lr", "0.5", "--name", "two words", "--use_amp"]},
                  "module: python -m pkg.main with the flags: %s" % seen)
        r = job.run("--dry-run", SMTRAIN_ARGS="hydra")
        check(r.returncode == 0 and "entry point: pkg.main (python module)\narguments: hydra (SMTRAIN_ARGS)\n"
              in r.stdout, "dry run: names the module and the style")
        check("command: '%s' '-m' 'pkg.main' 'lr=0.5' 'name='\\''two words'\\''' 'use_amp=true'\n" % PYTHON
              in r.stdout, "dry run: the hydra command line: %s" % r.stdout[:600])
        r = job.run("--dry-run", "--json", SMTRAIN_ARGS="hydra")
        shown = json.loads(r.stdout)
        check(shown["argv"] == [PYTHON, "-m", "pkg.main", "lr=0.5", "name='two words'", "use_amp=true"]
              and shown["kind"] == "python module" and shown["arguments"] == "hydra",
              "dry run --json: argv, kind and arguments")
        r = job.run("env", "--format", "json", SMTRAIN_ARGS="hydra")
        shown = json.loads(r.stdout)
        check(json.loads(shown["SM_USER_ARGS"]) == ["lr=0.5", "name='two words'", "use_amp=true"],
              "sm-train env: SM_USER_ARGS holds the hydra arguments")
        r = job.run("env", "--format", "json")
        check(json.loads(json.loads(r.stdout)["SM_USER_ARGS"]) ==
              ["--lr", "0.5", "--name", "two words", "--use_amp", "True"],
              "sm-train env: the default SM_USER_ARGS is the toolkit's")
    finally:
        job.close()


if HAS_OMEGACONF:
    hydra_style()
flags_style()
template_style()
hydra_cannot_express()
module_and_views()
if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
if not HAS_OMEGACONF:
    print("SKIP: the hydra style's real parser is missing: %s cannot import omegaconf "
          "(Debian: python3-omegaconf); every other check passed" % PYTHON)
    sys.exit(77)
print("argument styles: OK")
