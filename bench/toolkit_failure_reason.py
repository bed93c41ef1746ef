#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What AWS's toolkit would have written in output/failure for a captured run.

Feeds the output of a real run (an sm-train log, as the tests keep it with
KEEP=1) through the toolkit's rule, ported line for line from
aws/sagemaker-training-toolkit at 33839372 (2025-09-19):

- process.watch(): each stream is read in 64 KiB chunks split on "\n"; from the
  first line that contains any of _PYTHON_ERRORS_ + _MPI_ERRORS_ + the runner's
  error classes, every line not yet seen is kept (mpirun's "[1,N]<stderr>" tag
  with a one-digit N is cut out, stripped of " :\n").
- process.check_error(): the two streams' results joined with " ", duplicate
  lines dropped, stripped; a non-zero exit raises ExecuteUserScriptError, whose
  str() is 'ExecuteUserScriptError:\nExitCode N\nErrorMessage "..."\n
  [ExtraInfo "..." (137)]\nCommand "..."', which trainer.py writes to output/failure.

That is the rule with capture_error=True, as the framework containers ask for
it; the toolkit's own trainer.py passes none (ErrorMessage "" for MPI, and for
torchrun the swapped (wait, capture_error) arguments of TorchDistributedRunner.run
make wait False: no exit code is checked and the job reports success).

The log holds the program's stdout and stderr merged and sm-train's own lines:
the program's part is taken from after the echoed command to sm-train's first
report line; sm-train's log lines are dropped; mpirun's tags, which sm-train
rewrote to "[1,mpirank:N,algo-H]", are put back to "[1,N]", and tagged lines go
to the stream their tag names (untagged ones to stderr, where mpirun and
torchrun write theirs).

usage: toolkit_failure_reason.py LOG [EXIT_CODE] [--first-line]
EXIT_CODE: the launcher's (mpirun's, torchrun's); by default the one sm-train
logged at its end (`ended: exit code N`), which is the launcher's for a failed
program.
"""
import re
import sys

PYTHON_ERRORS = [
    "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError",
    "BlockingIOError", "BrokenPipeError", "BufferError", "ChildProcessError",
    "ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
    "EOFError", "EnvironmentError", "FileExistsError", "FileNotFoundError", "FloatingPointError",
    "IOError", "ImportError", "IndentationError", "IndexError", "InterruptedError",
    "IsADirectoryError", "KeyError", "LookupError", "MemoryError", "ModuleNotFoundError",
    "NameError", "NotADirectoryError", "NotImplementedError", "OSError", "OverflowError",
    "PermissionError", "ProcessLookupError", "RecursionError", "ReferenceError", "RuntimeError",
    "SyntaxError", "SystemError", "TabError", "TimeoutError", "TypeError", "UnboundLocalError",
    "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError", "UnicodeTranslateError",
    "ValueError", "ZeroDivisionError", "Invalidrequirement", "ResourceExhaustedError",
    "OutOfRangeError", "InvalidArgumentError",
]
MPI_ERRORS = ["mpirun.real", "ORTE"]
# torch_distributed passes errors.ExecuteUserScriptError; mpi passes the
# debugger/TensorFlow/data-parallel classes, none of them installed here.
RUNNER_ERROR_CLASSES = ["ExecuteUserScriptError"]

SM_TRAIN_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} sm-train ")
# sm-train's lines once the program has ended: its report begins.
REPORT_START = re.compile(r"sm-train +(ERROR|INFO) +(Begin writing status file|Root cause|Exchanging the root"
                          r"|Telling \d+ other|Reporting training|Hang:|Diagnostics written)")
OUR_TAG = re.compile(r"\[(\d+),mpirank:(\d+),[^\]]*\]<(stdout|stderr)>")


def program_streams(log_text):
    """The program's stdout and stderr lines in a kept sm-train log."""
    lines = log_text.split("\n")
    start = 0
    for i, line in enumerate(lines):
        if line == "Invoking script with the following command:":
            start = i + 3  # the blank line, the command
            break
    stdout, stderr = [], []
    for line in lines[start:]:
        if REPORT_START.search(line):
            break
        if SM_TRAIN_LINE.match(line):
            continue
        raw = OUR_TAG.sub(lambda m: "[%s,%s]<%s>" % m.groups(), line)
        first_tag = re.search(r"\[\d+,\d+\]<(stdout|stderr)>", raw)
        (stdout if first_tag and first_tag.group(1) == "stdout" else stderr).append(raw)
    return stdout, stderr


def watch(lines, error_classes):
    """process.watch() on one stream (its 64 KiB chunks: our runs are smaller)."""
    output = []
    start = False
    for line in "\n".join(lines).strip().split("\n"):
        err_line = re.sub(r"\[(\d),(\d)\]<stderr>", "", line)
        err_line = re.sub(r"\[(\d),(\d)\]<stdout>", "", err_line)
        if start:
            if err_line not in output:
                output.append(err_line.strip(" :\n") + "\n")
        elif any(str(err) in err_line for err in PYTHON_ERRORS + MPI_ERRORS + error_classes):
            start = True
            output.append(err_line.strip(" :\n") + "\n")
    return " ".join(output)


def toolkit_failure(log_text, exit_code, command="<command>"):
    stdout, stderr = program_streams(log_text)
    output = [watch(stdout, RUNNER_ERROR_CLASSES), watch(stderr, RUNNER_ERROR_CLASSES)]
    message = " ".join(output)
    message = "\n".join(list(dict.fromkeys(message.split("\n")))).strip()
    extra = "\nExtraInfo \"OutOfMemory: Process killed by SIGKILL (signal 9)\"" if exit_code == 137 else ""
    return ('ExecuteUserScriptError:\nExitCode %d\nErrorMessage "%s"%s\nCommand "%s"'
            % (exit_code, message, extra, command)).strip()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    text = open(args[0], encoding="utf-8", errors="replace").read()
    if len(args) > 1:
        exit_code = int(args[1])
    else:
        ended = re.findall(r"ended: exit code (\d+)", text)
        exit_code = int(ended[-1]) if ended else 1
    failure = toolkit_failure(text, exit_code)
    if "--first-line" in sys.argv[1:]:
        # The ErrorMessage's first line, as a table shows it.
        first = failure.split("\n")[2]
        print(first[:160] + ("..." if len(first) > 160 else ""))
    else:
        print(failure)


if __name__ == "__main__":
    main()
