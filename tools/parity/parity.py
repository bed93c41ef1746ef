#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Differential parity harness: our implementation against the Python toolkit.

For every generated tree it compares, byte for byte, what the user program
would receive: the SM_* variables (SM_TRAINING_ENV included), SAGEMAKER_JOB_NAME,
CURRENT_HOST, SAGEMAKER_REGION, the arguments, and the program's command for
each entry-point kind; and, for stderr samples, the output/failure text.
Deliberate differences (docs/compatibility.md) are applied to the toolkit's
output first and listed separately; anything else is a mismatch.

See tools/parity/README.md. Needs a Python with boto3 and six, and the
toolkit's source (default /work/toolkit-src/src).
"""

import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failure_samples  # noqa: E402
import generate  # noqa: E402
import sdk_trees  # noqa: E402
import toolkit_oracle  # noqa: E402

KIND_NAMES = {"PYTHON_PACKAGE": "python package", "PYTHON_PROGRAM": "python program", "COMMAND": "command"}
ADDITIONS = ("SM_HOST_COUNT", "SM_CURRENT_HOST_RANK", "SM_MASTER_ADDR", "SM_MASTER_PORT")
SHELL_INERT = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+.,/:@%")


# ---- trees -------------------------------------------------------------------

def write_tree(case, root):
    base = os.path.join(root, "opt", "ml")
    config = os.path.join(base, "input", "config")
    for d in (config, os.path.join(base, "code"), os.path.join(base, "model"), os.path.join(base, "output", "data")):
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(config, "hyperparameters.json"), "w", encoding="utf-8") as f:
        f.write(case.get("hyperparameters_text") or json.dumps(case["hyperparameters"]))
    with open(os.path.join(config, "resourceconfig.json"), "w", encoding="utf-8") as f:
        json.dump(case["resourceconfig"], f)
    with open(os.path.join(config, "inputdataconfig.json"), "w", encoding="utf-8") as f:
        json.dump(case["inputdataconfig"], f)
    for name in case["code_files"]:
        with open(os.path.join(base, "code", name), "w") as f:
            f.write("# parity\n")
    home = os.path.join(root, "home")
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    if case.get("aws_config"):
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write(case["aws_config"])
    return base, home


def case_environ(case, base, home, path):
    env = {"PATH": path, "HOME": home, "SAGEMAKER_BASE_DIR": base, "AWS_EC2_METADATA_DISABLED": "true",
           "LANG": "C.UTF-8"}
    env.update(case["env"])
    return env


# ---- our side ------------------------------------------------------------------

def run_driver(driver, environ, machine):
    cmd = [driver, "env", "--cpus", str(machine["num_cpus"]), "--gpus", str(machine["num_gpus"]),
           "--neurons", str(machine["num_neurons"])]
    if machine["smddprun"]:
        cmd.append("--smddprun")
    if machine["smddpmprun"]:
        cmd.append("--smddpmprun")
    out = subprocess.run(cmd, env=environ, capture_output=True, timeout=60)
    if out.returncode != 0:
        return {"error": "driver exit %d: %s" % (out.returncode, out.stderr.decode(errors="replace"))}
    result = {"env": {}, "args": [], "argv": [], "kind": None, "error": None}

    def unhex(h):
        return b"" if h == "-" else bytes.fromhex(h)

    for line in out.stdout.decode().splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "env":
            name, value = rest.split(" ")
            result["env"][unhex(name)] = unhex(value)
        elif tag == "arg":
            result["args"].append(unhex(rest))
        elif tag == "argv":
            result["argv"].append(unhex(rest))
        elif tag == "runner":
            result["runner"] = rest
        elif tag == "kind":
            result["kind"] = None if rest == "none" else rest
        elif tag == "error":
            result["error"] = unhex(rest).decode(errors="replace")
    return result


# ---- expected values -------------------------------------------------------------

def expected_from_toolkit(tk, case, parent_pythonpath=None):
    """The toolkit's variables plus our documented additions (see docs/compatibility.md)."""
    env = dict(tk["env"])
    for name, value in tk["process_env"].items():
        if value is not None:
            env[name] = value
    training_env = json.loads(env[b"SM_TRAINING_ENV"])
    rank_hosts = training_env["distribution_hosts"] or training_env["hosts"]
    env[b"SM_HOST_COUNT"] = str(len(rank_hosts)).encode()
    if training_env["current_host"] in rank_hosts:
        env[b"SM_CURRENT_HOST_RANK"] = str(rank_hosts.index(training_env["current_host"])).encode()
    env[b"SM_MASTER_ADDR"] = os.fsencode(training_env["master_hostname"])
    env[b"SM_MASTER_PORT"] = b"7777"
    # The toolkit exports its interpreter's whole sys.path; we put the code dir
    # in front of the PYTHONPATH we were given.
    pythonpath = tk["code_dir"] + (":" + parent_pythonpath if parent_pythonpath else "")
    env[b"PYTHONPATH"] = os.fsencode(pythonpath)
    # The toolkit's shell sets PWD to the directory the program starts in.
    env[b"PWD"] = os.fsencode(tk["code_dir"])
    for name, value in framework_expected(tk, case)[1]:
        env[os.fsencode(name)] = os.fsencode(value)
    return env


PYTORCH_ONLY = ("sagemaker_pytorch_ddp_enabled", "sagemaker_torch_distributed_enabled",
                "sagemaker_pytorch_xla_multi_worker_enabled")


def framework_expected(tk, case, findings=None):
    """(runner, variables) the framework containers' training.py gives this tree
    (framework_reference.py), as sm-train must match them: the container named
    by an SDK tree, else the one that runs such a job (TensorFlow for its
    parameter servers / MultiWorkerMirroredStrategy keys, PyTorch otherwise,
    whose order also gives the TensorFlow container's MPI/smddp choice)."""
    if tk["framework_module"]:
        return "process", []  # the framework's own code runs and sets its own variables
    ref = tk["framework"]
    tf_runner, tf_vars = ref["tensorflow"]
    pt_runner, pt_vars = ref["pytorch"]
    params = tk["additional_framework_parameters"]
    pytorch_job = any(params.get(k) for k in PYTORCH_ONLY)
    container = case.get("container")
    if container == "training":
        runner, variables = ref["training"]
        # sagemaker-training alone: sm-train still chooses as the containers do.
        if runner != pt_runner and findings is not None:
            findings.expected["plain Estimator image: sm-train picks the framework containers' runner"] += 1
        return pt_runner if tf_runner != "tf-ps" else tf_runner, tf_vars + (pt_vars if pytorch_job else [])
    if container == "pytorch" and not pytorch_job and findings is not None:
        findings.expected["PyTorch container's NCCL_*/MASTER_* on a plain/MPI/smddp job: not set (image unknown)"] += 1
    if tf_runner in ("tf-ps", "crash"):
        return tf_runner, tf_vars
    return pt_runner, tf_vars + (pt_vars if pytorch_job else [])


def deliberate_fixes(case):
    fixes = []
    rc = case["resourceconfig"]
    if "current_group_name" not in rc and "current_instance_group" in rc:
        fixes.append("group_key")
    return fixes


def shell_changes(args):
    """Whether the toolkit's shell would change any of these arguments (STK#128)."""
    return any(not a or any(c not in SHELL_INERT for c in a) for a in args)


# ---- comparison -------------------------------------------------------------------

class Findings:
    def __init__(self, keep_dir, max_examples):
        self.mismatches = defaultdict(list)  # signature -> [(case label, detail)]
        self.expected = Counter()
        self.toolkit_errors = Counter()
        self.keep_dir = keep_dir
        self.max_examples = max_examples
        self.cases = 0
        self.failing_cases = 0
        self.runners = Counter()  # (containers' runner, ours) -> trees

    def mismatch(self, signature, label, detail):
        self.mismatches[signature].append((label, detail))

    def keep(self, label, case):
        if not self.keep_dir:
            return
        os.makedirs(self.keep_dir, exist_ok=True)
        with open(os.path.join(self.keep_dir, label.replace("/", "_").replace(" ", "_") + ".json"), "w") as f:
            json.dump(case, f, indent=1, ensure_ascii=False, default=str)


def show(b):
    return repr(b if len(b) < 400 else b[:400] + b"...")


def diff_training_env(expected, ours):
    try:
        e, o = json.loads(expected), json.loads(ours)
    except ValueError:
        return "not JSON: " + show(ours)
    keys = sorted(set(e) | set(o))
    parts = []
    for k in keys:
        if e.get(k, "<absent>") != o.get(k, "<absent>") or json.dumps(e.get(k)) != json.dumps(o.get(k)):
            parts.append("%s: toolkit %s, ours %s" % (k, json.dumps(e.get(k, "<absent>"))[:200],
                                                     json.dumps(o.get(k, "<absent>"))[:200]))
    return "; ".join(parts) or "same JSON, different bytes: %s vs %s" % (show(expected), show(ours))


def compare_env(expected, ours, label, findings, what="env"):
    bad = False
    for name in sorted(set(expected) | set(ours)):
        e, o = expected.get(name), ours.get(name)
        if e == o:
            continue
        bad = True
        printable = name.decode(errors="replace")
        if e is None:
            findings.mismatch((what, "extra", printable), label, "ours has %s=%s" % (printable, show(o)))
        elif o is None:
            findings.mismatch((what, "missing", printable), label, "toolkit has %s=%s" % (printable, show(e)))
        elif name == b"SM_TRAINING_ENV":
            findings.mismatch((what, "value", printable), label, diff_training_env(e, o))
        else:
            findings.mismatch((what, "value", printable), label, "toolkit %s, ours %s" % (show(e), show(o)))
    return bad


def compare_program(tk, ours, case, label, findings):
    """Arguments and the program's command line."""
    bad = False
    if tk["cmd_args"] != ours["args"]:
        bad = True
        findings.mismatch(("args",), label, "toolkit %r, ours %r" % (tk["cmd_args"], ours["args"]))
    uep = tk["user_entry_point"]
    if tk["framework_module"]:
        return bad  # framework images run the framework's function, not the entry point
    if not isinstance(uep, str) or not uep:
        if ours["kind"] is not None:
            findings.expected["entry point: toolkit cannot run a non-string/empty program; we run str()"] += 1
        return bad
    kind = KIND_NAMES[tk["kind"]]
    if kind != ours["kind"]:
        findings.mismatch(("entry point kind",), label, "toolkit %s, ours %s" % (kind, ours["kind"]))
        return True
    args = [a.decode("utf-8", "surrogateescape") for a in ours["argv"]]
    if kind == "command":
        # The toolkit: /bin/sh -c "./name quoted-args" through a second shell; we execve ./name args.
        want_tk = ["/bin/sh", "-c", '"./%s %s"' % (uep, " ".join(shlex.quote(a) for a in tk["cmd_args_text"]))]
        if tk["command"] != want_tk or args != ["./" + uep] + tk["cmd_args_text"]:
            findings.mismatch(("command argv",), label, "toolkit %r, ours %r" % (tk["command"], args))
            return True
        findings.expected["command entry point: execve ./name args instead of /bin/sh -c (no shell)"] += 1
        return bad
    if tk["command"] != args:
        findings.mismatch(("python argv",), label, "toolkit %r, ours %r" % (tk["command"], args))
        return True
    if shell_changes(tk["command"]):
        # Only with capture_error=True (framework toolkits): the joined command goes through a shell.
        findings.expected["python entry point: a capturing toolkit's shell would re-split/expand argv (STK#128)"] += 1
    return bad


def run_case(case, label, opts, findings):
    with tempfile.TemporaryDirectory(prefix="parity-") as root:
        base, home = write_tree(case, root)
        environ = case_environ(case, base, home, "/usr/local/bin:/usr/bin:/bin")
        fixes = deliberate_fixes(case)
        status, tk = toolkit_oracle.environment_result(environ, case["machine"], fixes)
        ours = run_driver(opts.driver, dict(environ, SMTRAIN_PYTHON=opts.python), case["machine"])
    findings.cases += 1
    if status != "ok":
        reason = tk.strip().splitlines()[-1][:120]
        findings.toolkit_errors[reason] += 1
        if ours.get("error") is None:
            findings.expected["toolkit raises (%s); ours loads" % reason[:80]] += 1
        return
    if ours.get("error") and tk["unstorable"]:
        findings.expected["both fail: a variable name the environment cannot hold (%s)" % tk["unstorable"][0]] += 1
        return
    if ours.get("error") and framework_expected(tk, case)[0] == "crash":
        findings.expected["TensorFlow container crashes on a ps job outside the distribution groups; ours exit 65"] += 1
        return
    if ours.get("error"):
        findings.mismatch(("ours refuses",), label, ours["error"][:300])
        findings.failing_cases += 1
        findings.keep(label, case)
        return
    if fixes:
        findings.expected["current_instance_group read when current_group_name is absent"] += 1
    if tk["unstorable"]:
        findings.expected["toolkit cannot store %s in os.environ" % ",".join(tk["unstorable"])] += 1
    expected = expected_from_toolkit(tk, case)
    region_note = region_fallback(tk, case, expected)
    if region_note:
        findings.expected[region_note] += 1
    bad = compare_env(expected, ours["env"], label, findings)
    bad |= compare_program(tk, ours, case, label, findings)
    want_runner = framework_expected(tk, case, findings)[0]
    if not tk["framework_module"]:
        findings.runners[(want_runner, ours.get("runner"))] += 1
        if want_runner != ours.get("runner"):
            bad = True
            findings.mismatch(("runner",), label, "containers %s, ours %s" % (want_runner, ours.get("runner")))
    if bad:
        findings.failing_cases += 1
        findings.keep(label, case)


def region_fallback(tk, case, expected):
    """botocore ignores AWS_REGION; we use it when nothing else names a region."""
    hps = case["hyperparameters"] if "hyperparameters_text" not in case else json.loads(case["hyperparameters_text"])
    if "sagemaker_region" in hps:
        return None  # the hyperparameter wins, even when empty
    if tk["process_env"].get(b"SAGEMAKER_REGION") == b"" and case["env"].get("AWS_REGION"):
        expected[b"SAGEMAKER_REGION"] = case["env"]["AWS_REGION"].encode()
        return "SAGEMAKER_REGION from AWS_REGION where botocore finds none"
    return None


# ---- end to end: the real sm-train ----------------------------------------------------

def write_fake_tools(bindir, machine):
    os.makedirs(bindir, exist_ok=True)

    def tool(name, body):
        p = os.path.join(bindir, name)
        with open(p, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(p, 0o755)

    if machine["num_gpus"]:
        tool("nvidia-smi", "printf '%s'" % "".join("GPU %d: NVIDIA A100 (UUID: GPU-%d)\\n" % (i, i)
                                                     for i in range(machine["num_gpus"])))
    if machine["num_neurons"]:
        tool("neuron-ls", "echo '%s'" % json.dumps([{"nc_count": machine["num_neurons"] // 2}] * 2))
    if machine["smddprun"]:
        tool("smddprun", "exit 0")
    if machine["smddpmprun"]:
        tool("smddpmprun", "exit 0")


def run_e2e_case(case, label, opts, findings):
    """sm-train --dry-run --json (or sm-train env --format json) against the unpatched toolkit,
    both probing the same fake nvidia-smi/neuron-ls/smddprun."""
    with tempfile.TemporaryDirectory(prefix="parity-e2e-") as root:
        base, home = write_tree(case, root)
        bindir = os.path.join(root, "bin")
        write_fake_tools(bindir, case["machine"])
        environ = case_environ(case, base, home, bindir + ":/usr/local/bin:/usr/bin:/bin")
        fixes = deliberate_fixes(case)
        status, tk = toolkit_oracle.environment_result(environ, None, fixes)
        if status != "ok":
            return
        uep = tk["user_entry_point"]
        if isinstance(uep, str) and uep and "/" not in uep:
            with open(os.path.join(base, "code", uep), "a") as f:
                f.write("")
        env = dict(environ, SMTRAIN_PYTHON=opts.python)
        out = subprocess.run([opts.sm_train, "--dry-run", "--json"], env=env, capture_output=True, timeout=60)
        dry = None
        if out.returncode == 0:
            dry = json.loads(out.stdout)
            ours_env = {os.fsencode(k): os.fsencode(v) for k, v in dry["env"].items()}
        else:
            out = subprocess.run([opts.sm_train, "env", "--format", "json"], env=env, capture_output=True, timeout=60)
            if out.returncode != 0 and tk["unstorable"]:
                findings.expected["both fail: a variable name the environment cannot hold (%s)" % tk["unstorable"][0]] += 1
                return
            if out.returncode != 0:
                findings.mismatch(("e2e", "sm-train refuses"), label, out.stderr.decode(errors="replace")[:300])
                findings.keep("e2e-" + label, case)
                return
            ours_env = {os.fsencode(k): os.fsencode(v) for k, v in json.loads(out.stdout).items()}
    findings.cases += 1
    expected = expected_from_toolkit(tk, case)
    region_fallback(tk, case, expected)
    bad = compare_env(expected, ours_env, label, findings, what="e2e env")
    if dry is not None and dry["runner"] == "process" and not tk["framework_module"]:
        ours = {"args": [os.fsencode(a) for a in dry["argv"][-len(tk["cmd_args"]):]] if tk["cmd_args"] else [],
                "argv": [os.fsencode(a) for a in dry["argv"]], "kind": dry["kind"]}
        bad |= compare_program(tk, ours, case, "e2e-" + label, findings)
    if bad:
        findings.failing_cases += 1
        findings.keep("e2e-" + label, case)


# ---- failure files ----------------------------------------------------------------------

def run_failures(opts, findings, rng):
    command = [opts.python, "train.py", "--epochs", "3"]
    for i, (name, sample, exit_code) in enumerate(failure_samples.samples()):
        label = "failure-%d %s" % (i, name)
        status, tk = toolkit_oracle.failure_text(sample, exit_code, command)
        if status != "ok":
            findings.toolkit_errors[tk.strip().splitlines()[-1][:120]] += 1
            continue
        if tk is None:
            continue  # exit code 0: no failure file on either side (sm-train writes success)
        findings.cases += 1
        chunk = rng.choice([1, 7, 4096, 65536])
        out = subprocess.run([opts.driver, "failure", "--exit-code", str(exit_code), "--command", " ".join(command),
                              "--chunk", str(chunk)], input=sample, capture_output=True, timeout=60)
        ours = out.stdout.decode("utf-8", "surrogateescape")
        if ours == tk:
            continue
        if '\nErrorMessage ""\n' in tk + "\n" and "\nErrorMessage \"" in ours:
            findings.expected["failure file: last stderr lines where the toolkit's ErrorMessage is empty"] += 1
            ours_without = ours[:ours.index('ErrorMessage "')] + 'ErrorMessage ""' + ours[ours.index('"\n', ours.index(
                'ErrorMessage "') + 14) + 1:]
            if ours_without == tk:
                continue
        if name in failure_samples.DELIBERATE:
            findings.expected["failure file: " + failure_samples.DELIBERATE[name]] += 1
            continue
        findings.failing_cases += 1
        at = next((i for i, (a, b) in enumerate(zip(tk, ours)) if a != b), min(len(tk), len(ours)))
        findings.mismatch(("failure file", name), label, "first difference at %d: toolkit %r, ours %r"
                          % (at, tk[max(0, at - 60):at + 100], ours[max(0, at - 60):at + 100]))


# ---- main -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1000, help="random trees (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--build", default="build", help="build dir with tools/parity/parity-driver and sm-train")
    ap.add_argument("--toolkit-src", default="/work/toolkit-src/src")
    ap.add_argument("--python", default="/usr/bin/python3", help="argv[0] both sides give Python programs")
    ap.add_argument("--e2e", type=int, default=50, help="trees also run through the real sm-train (default 50)")
    ap.add_argument("--no-failures", action="store_true", help="skip the failure-file samples")
    ap.add_argument("--keep", default="/tmp/parity-mismatches", help="where mismatching cases are saved")
    ap.add_argument("--examples", type=int, default=3, help="examples shown per mismatch kind")
    ap.add_argument("--case", nargs="+", metavar="FILE", help="rerun saved cases (from --keep) only")
    ap.add_argument("--sdk-only", action="store_true",
                    help="only the trees as the SageMaker SDK writes them (sdk_trees.py), every host's view")
    opts = ap.parse_args()
    opts.driver = os.path.join(opts.build, "tools", "parity", "parity-driver")
    opts.sm_train = os.path.join(opts.build, "src", "launcher", "sm-train")
    for exe in (opts.driver, opts.sm_train):
        if not os.access(exe, os.X_OK):
            sys.exit("missing %s: configure with -DSMTRAIN_BUILD_PARITY=ON and build parity-driver and sm-train" % exe)
    toolkit_oracle.preload(opts.toolkit_src)
    toolkit_oracle.PYTHON = opts.python
    if opts.case:
        findings = Findings(None, opts.examples)
        for path in opts.case:
            with open(path) as f:
                case = json.load(f)
            label = os.path.basename(path)
            (run_e2e_case if label.startswith("e2e-") else run_case)(case, label, opts, findings)
        return report(findings, opts, "%d saved cases" % len(opts.case))
    if opts.keep:
        shutil.rmtree(opts.keep, ignore_errors=True)

    rng = random.Random(opts.seed)
    findings = Findings(opts.keep, opts.examples)
    sdk = [(c["name"], c) for c in sdk_trees.cases()]
    if opts.sdk_only:
        opts.cases = 0
        cases = sdk
    else:
        cases = [(c["name"], c) for c in generate.hand_picked()] + sdk
        cases += [("random-%d-%d" % (opts.seed, i), generate.random_case(rng)) for i in range(opts.cases)]
    for n, (label, case) in enumerate(cases):
        run_case(case, label, opts, findings)
        if n < opts.e2e:
            run_e2e_case(case, label, opts, findings)
        if (n + 1) % 500 == 0:
            print("... %d trees, %d with mismatches" % (n + 1, findings.failing_cases), file=sys.stderr, flush=True)
    if not opts.no_failures:
        run_failures(opts, findings, rng)
    return report(findings, opts, "%d trees (%d as the SDK writes them, %d hand-picked, %d random, seed %d)"
                  % (len(cases), len(sdk), len(cases) - len(sdk) - opts.cases, opts.cases, opts.seed))


def report(findings, opts, what):
    print("parity: %s, %d comparisons in all" % (what, findings.cases))
    if findings.runners:
        print("\nrunner choice (framework containers' -> ours):")
        for (want, got), n in sorted(findings.runners.items()):
            print("  %5d  %s -> %s" % (n, want, got))
    print("\nexpected differences (documented in docs/compatibility.md):")
    for what, n in sorted(findings.expected.items()):
        print("  %5d  %s" % (n, what))
    if findings.toolkit_errors:
        print("\ncases where the toolkit itself raises:")
        for what, n in sorted(findings.toolkit_errors.items()):
            print("  %5d  %s" % (n, what))
    if not findings.mismatches:
        print("\nMISMATCHES: none")
        return 0
    print("\nMISMATCHES: %d kinds in %d cases (cases saved under %s)" % (len(findings.mismatches),
                                                                         findings.failing_cases, opts.keep))
    for signature, hits in sorted(findings.mismatches.items(), key=lambda kv: -len(kv[1])):
        print("\n  [%d] %s" % (len(hits), " / ".join(signature)))
        for label, detail in hits[:opts.examples]:
            print("      %s: %s" % (label, detail))
    return 1


if __name__ == "__main__":
    sys.exit(main())
