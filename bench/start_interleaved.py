#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start overhead of launchers, interleaved: each round runs every command once,
in a fresh random order, so that load elsewhere on a shared machine hits them
alike (hyperfine runs all of one command, then all of the next).

    bench/start_interleaved.py ROUNDS NAME=COMMAND... (the first is the program directly)

Each COMMAND is split on spaces (no shell) and started with posix_spawn; its
wall time is taken around spawn and wait4, its CPU time (user + system of it
and its children) from wait4's rusage; stdout and stderr go to /dev/null, and
a command that exits non-zero stops the bench. Prints per command the median
and 10th-90th percentile of both, the overhead over the first command, and
each command's median paired difference to the previous one (round by round,
which cancels what a round's load did to both)."""
import os
import random
import statistics
import sys
import time


def run(argv, devnull):
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)}: exit {os.waitstatus_to_exitcode(status)}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def main():
    rounds = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    names = [name for name, _ in commands]
    argvs = {name: command.split(" ") for name, command in commands}
    devnull = os.open(os.devnull, os.O_WRONLY)
    walls = {name: [] for name in names}
    cpus = {name: [] for name in names}
    for _ in range(10):  # warm-up
        for name in names:
            run(argvs[name], devnull)
    for _ in range(rounds):
        order = names[:]
        random.shuffle(order)
        for name in order:
            wall, cpu = run(argvs[name], devnull)
            walls[name].append(wall)
            cpus[name].append(cpu)

    def spread(values):
        q = statistics.quantiles(values, n=10)
        return f"{statistics.median(values):7.2f} ms ({q[0]:.2f}-{q[-1]:.2f})"

    load = open("/proc/loadavg").read().split()[:3]
    print(f"{rounds} interleaved rounds, load average {' '.join(load)} at the end")
    base = names[0]
    for i, name in enumerate(names):
        line = f"  {name:15} wall {spread(walls[name])}  cpu {spread(cpus[name])}"
        if i:
            over = statistics.median(walls[name]) - statistics.median(walls[base])
            paired = statistics.median(a - b for a, b in zip(walls[name], walls[names[i - 1]]))
            line += f"  overhead {over:6.2f} ms, paired vs {names[i - 1]} {paired:+.2f} ms"
        print(line)


main()
