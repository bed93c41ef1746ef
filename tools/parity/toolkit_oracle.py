# SPDX-License-Identifier: Apache-2.0
"""The Python toolkit as an oracle: what it would hand the user program.

The toolkit (aws/sagemaker-training-toolkit) is imported from its source tree,
never copied. `sagemaker_training.environment` computes its paths when it is
imported, from SAGEMAKER_BASE_DIR, so every tree gets a fresh interpreter
state: the parent imports the heavy, stateless modules once (boto3) and each
case runs in a forked child that imports the toolkit's modules anew.
"""

import asyncio
import os
import pickle
import sys
import traceback

# Set by the harness before the first fork.
TOOLKIT_SRC = None
PYTHON = None  # the interpreter path both sides put in argv[0]


def preload(toolkit_src):
    """Imports what does not depend on the tree, once, in the parent."""
    global TOOLKIT_SRC
    TOOLKIT_SRC = toolkit_src
    if toolkit_src not in sys.path:
        sys.path.insert(0, toolkit_src)
    import asyncio  # noqa: F401
    import multiprocessing  # noqa: F401

    import boto3  # noqa: F401  (slow to import; stateless until a Session is made)
    import six  # noqa: F401

    # The package and the modules that read no environment at import time.
    from sagemaker_training import _entry_point_type, errors, logging_config, mapping, params  # noqa: F401

    # A first Session imports botocore's lazily loaded modules; each case makes its own.
    boto3.session.Session()
    assert "sagemaker_training.environment" not in sys.modules


def _in_child(fn, *args):
    """Runs fn(*args) in a forked child; returns its result (or raises its error text)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        # The toolkit logs and prints (watch() echoes every line): keep it off our output.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            result = ("ok", fn(*args))
        except BaseException:  # noqa: B036 - the child reports everything
            result = ("error", traceback.format_exc())
        try:
            data = pickle.dumps(result)
        except Exception:  # noqa: BLE001
            data = pickle.dumps(("error", "unpicklable result\n" + traceback.format_exc()))
        with os.fdopen(write_fd, "wb") as f:
            f.write(data)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    if not data:
        return ("error", "oracle child died without an answer")
    return pickle.loads(data)


def _env_bytes(value):
    """What os.environ would store for a value (None: it cannot be stored)."""
    try:
        b = os.fsencode(value)
    except (UnicodeError, TypeError):
        return None
    return None if b"\0" in b else b


def _storable_name(name):
    """Whether os.environ[name] = ... works (putenv refuses '=' and NUL)."""
    b = _env_bytes(name)
    return b is not None and b != b"" and b"=" not in b


def _environment_child(environ, machine, fixes):
    """Builds the toolkit's Environment for the tree in `environ`.

    `fixes` names the deliberate fixes of docs/compatibility.md to apply, giving
    the "expected" rendering our implementation must match:
      group_key: read resourceconfig's current_instance_group when current_group_name is absent
    """
    os.environ.clear()
    os.environ.update(environ)
    from sagemaker_training import _entry_point_type, environment, mapping, process  # noqa: F401

    if machine is not None:
        environment.num_gpus = lambda: machine["num_gpus"]
        environment.num_cpus = lambda: machine["num_cpus"]
        environment.num_neurons = lambda _instance_type: machine["num_neurons"]
        environment.validate_smddprun = lambda: machine["smddprun"]
        environment.validate_smddpmprun = lambda: machine["smddpmprun"]
    process.python_executable = lambda: PYTHON

    rc = environment.read_resource_config()
    original_rc = rc
    if "group_key" in fixes and "current_group_name" not in rc and "current_instance_group" in rc:
        rc = dict(rc, current_group_name=rc["current_instance_group"])
    env = environment.Environment(resource_config=rc or None)
    env._resource_config = original_rc  # rendered as the file holds it

    env_vars = env.to_env_vars()
    result = {"env": {}, "unstorable": [], "process_env": {}}
    for name, value in env_vars.items():
        b = _env_bytes(value)
        if b is None or not _storable_name(name):
            # entry_point.run's write_env_vars() would raise: the toolkit cannot start the program.
            result["unstorable"].append(name)
        else:
            result["env"][os.fsencode(name)] = b
    for name in ("SAGEMAKER_JOB_NAME", "CURRENT_HOST", "SAGEMAKER_REGION"):
        result["process_env"][name.encode()] = os.environb.get(name.encode())
    result["code_dir"] = environment.code_dir
    import framework_reference  # tools/parity, beside this file

    result["framework"] = framework_reference.reference(env)
    result["additional_framework_parameters"] = dict(env.additional_framework_parameters)
    result["cmd_args"] = [_env_bytes(a) for a in env.to_cmd_args()]
    result["cmd_args_text"] = env.to_cmd_args()
    result["user_entry_point"] = env.user_entry_point
    result["framework_module"] = env.framework_module
    uep = env.user_entry_point
    if isinstance(uep, str) and uep:
        kind = _entry_point_type.get(environment.code_dir, uep)
        runner = process.ProcessRunner(uep, env.to_cmd_args(), env_vars, 1)
        result["kind"] = kind.value
        result["command"] = runner._create_command()
    else:
        result["kind"] = None
        result["command"] = None
    return result


def environment_result(environ, machine, fixes=()):
    """("ok", dict) or ("error", traceback text)."""
    return _in_child(_environment_child, environ, machine, tuple(fixes))


def _failure_child(stderr_bytes, exit_code, command):
    """Runs the toolkit's own check_error() on a stand-in for the finished process.

    process.create() is replaced by one that feeds the sample through the
    toolkit's real watch() (stdout empty, stderr = the sample, read in its
    64 KiB chunks) and returns the given exit code.
    """
    from sagemaker_training import process

    def reader(data):
        stream = asyncio.StreamReader(limit=2**30)
        stream.feed_data(data)
        stream.feed_eof()
        return stream

    def fake_create(cmd, error_classes, processes_per_host, **_kwargs):
        async def both():
            return await asyncio.gather(process.watch(reader(b""), processes_per_host, error_classes=error_classes),
                                        process.watch(reader(stderr_bytes), processes_per_host,
                                                      error_classes=error_classes))
        return exit_code, asyncio.run(both()), None

    process.create = fake_create
    error_classes = process.get_debugger_exception_classes() + process.get_tensorflow_exception_classes()
    try:
        process.check_error(list(command), error_classes, 1, capture_error=True)
    except Exception as e:  # noqa: BLE001 - the toolkit's failure file holds str(e)
        return str(e)
    return None  # exit code 0: no failure file


def failure_text(stderr_bytes, exit_code, command):
    """The toolkit's output/failure text for a program that wrote `stderr_bytes` and
    exited with `exit_code`; `command` is the toolkit's command list."""
    return _in_child(_failure_child, stderr_bytes, exit_code, command)
