#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Plays a training program writing into output/intermediate, for the sync test.

    writer.py DIR SMALL_FILES BIG_FILE_MIB

Writes SMALL_FILES small files spread over sub-directories created on the way
(some files saved atomically: written elsewhere, then renamed in; one
directory built elsewhere and moved in whole; one file rewritten after its
first close), then one BIG_FILE_MIB MiB file. Contents are pseudo-random.
"""
import os
import random
import sys

root, small, big_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20240501)
staging = os.path.join(os.path.dirname(os.path.abspath(root)), "staging")
os.makedirs(staging, exist_ok=True)

for i in range(small):
    sub = os.path.join(root, "epoch-%d" % (i // 100), "step-%d" % (i // 25))
    os.makedirs(sub, exist_ok=True)
    data = rng.randbytes(rng.randint(0, 4096))
    path = os.path.join(sub, "file-%04d.bin" % i)
    if i % 10 == 0:
        tmp = os.path.join(staging, "tmp-%d" % i)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, path)  # an atomic save: only IN_MOVED_TO announces it
    else:
        with open(path, "wb") as f:
            f.write(data)

# A whole directory moved in at once.
moved = os.path.join(staging, "moved-dir")
os.makedirs(os.path.join(moved, "inner"), exist_ok=True)
for name in ("a.txt", "inner/b.txt"):
    with open(os.path.join(moved, name), "w") as f:
        f.write("moved in: " + name)
os.rename(moved, os.path.join(root, "moved-dir"))

# Rewritten after a first close: the last version must win.
with open(os.path.join(root, "metrics.json"), "w") as f:
    f.write('{"loss": 1.0}')
with open(os.path.join(root, "metrics.json"), "w") as f:
    f.write('{"loss": 0.25}')

with open(os.path.join(root, "model-checkpoint.bin"), "wb") as f:
    for _ in range(big_mib):
        f.write(rng.randbytes(1 << 20))
