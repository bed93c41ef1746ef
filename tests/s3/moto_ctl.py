#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Starts or stops a moto S3 server on a free loopback port for the S3 tests.

    moto_ctl.py start STATE_FILE   # writes "PORT PID" once the server answers
    moto_ctl.py stop STATE_FILE
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(state_file):
    last_error = None
    for _ in range(3):  # the port may be taken between probing and binding
        port = free_port()
        log = open(state_file + ".log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2).read()
                with open(state_file + ".tmp", "w") as f:
                    f.write("%d %d\n" % (port, proc.pid))
                os.replace(state_file + ".tmp", state_file)
                return 0
            except Exception as e:  # not up yet
                last_error = e
                time.sleep(0.1)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    print("moto_server did not start: %s" % last_error, file=sys.stderr)
    return 1


def stop(state_file):
    try:
        port, pid = open(state_file).read().split()
    except OSError:
        return 0
    try:
        os.killpg(int(pid), signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.unlink(state_file)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(start(sys.argv[2]) if sys.argv[1] == "start" else stop(sys.argv[2]))
