# SPDX-License-Identifier: Apache-2.0
"""stderr samples for comparing output/failure texts: (name, bytes, exit code).

DELIBERATE names the samples where we knowingly differ (docs/compatibility.md).
"""

DELIBERATE = {
    # The toolkit removes Open MPI's "[1,0]<stderr>" tags only for one-digit ranks,
    # so rank 10 and up repeat every line; we remove them for any rank.
    "mpi tags two-digit rank": "MPI rank tags removed for ranks of any width (the toolkit: one digit only)",
    # Lines over 1 KiB keep their first and last 512 bytes around "[... N bytes cut ...]";
    # the toolkit keeps them whole (split into 64 KiB read pieces).
    "long line": "lines over 1 KiB shortened to their first and last 512 bytes",
}

TRACEBACK = (b"epoch 1 loss 0.5\n"
             b"Traceback (most recent call last):\n"
             b'  File "/opt/ml/code/train.py", line 10, in <module>\n'
             b"    main()\n"
             b'  File "/opt/ml/code/train.py", line 7, in main\n'
             b"    raise ValueError('bad learning rate: -1')\n"
             b"ValueError: bad learning rate: -1\n")


def samples():
    out = [
        ("python traceback", TRACEBACK, 1),
        ("traceback, exit 137", TRACEBACK, 137),
        ("no error class", b"starting\nsomething went wrong\nbye\n", 3),
        ("no error class, exit 137", b"loading data\n", 137),
        ("empty stderr", b"", 2),
        ("repeated lines", b"RuntimeError: x\nsame\nsame\n: same :\nsame\n", 1),
        ("colon and space stripping", b"  KeyError: 'k' :\n :tail: \n", 1),
        ("crlf lines", b"KeyError: 'a'\r\nnext line\r\n", 1),
        ("carriage returns (progress bar)", b"10%\r20%\r30%\nRuntimeError: boom\n", 1),
        ("invalid utf-8", b"ValueError: caf\xe9 \xff\xfe\n", 1),
        ("no trailing newline", b"ImportError: no module named foo", 1),
        ("error class mid-line", b"warning: Exception ignored in thread\nmore\n", 1),
        ("mpi tags", b"[1,0]<stderr>:Traceback (most recent call last):\n[1,1]<stderr>:Traceback (most recent call "
                     b"last):\n[1,0]<stderr>:ValueError: x\n[1,1]<stderr>:ValueError: x\n", 1),
        ("mpi tags two-digit rank", b"[1,12]<stderr>:RuntimeError: rank 12\n[1,13]<stderr>:RuntimeError: rank 12\n", 1),
        ("mpirun.real", b"mpirun.real noticed that process rank 0 exited\n", 1),
        ("ORTE", b"ORTE was unable to reliably start one or more daemons\n", 1),
        ("invalid requirement", b"ERROR: Invalid requirement: 'torch=='\n", 1),
        ("ExecuteUserScriptError", b"ExecuteUserScriptError: nested\n", 1),
        ("leading blank lines", b"\n\n\nTypeError: t\n\n\nafter\n", 1),
        ("quotes in message", b'ValueError: "quoted" and \'single\'\n', 1),
        ("tabs", b"\tRuntimeError:\tx\t\n", 1),
        ("unicode", "RuntimeError: 日本語 😀\n".encode(), 1),
        ("only whitespace", b"   \n\n  \n", 1),
        ("exit 0", TRACEBACK, 0),
        ("long line", b"RuntimeError: " + b"x" * 5000 + b"\n", 1),
        ("many lines", b"".join(b"line %d\n" % i for i in range(200)) + b"OSError: disk\n" +
         b"".join(b"after %d\n" % i for i in range(50)), 1),
        ("lines before marker only", b"".join(b"log %d\n" % i for i in range(40)), 1),
    ]
    return out
