#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No header of a lower layer includes a higher one (docs/architecture.md).

    layering_test.py SOURCE_DIR

Layers, lowest first, each a CMake target: lib (include/smtrain, src/lib:
smtrain) < s3 (src/s3: smtrain_s3) < process (src/process: smtrain_process) <
runners (src/runners: smtrain_runners) < launcher (src/launcher:
smtrain_launcher, sm-train). Each target sees only its own directory and
those of the targets it links, so the compiler already refuses a bare
#include of a higher layer's header; this check also catches relative paths
("../launcher/x.hpp"). Every quoted #include is resolved from the file's own
directory, then from each layer directory, and must land in the same layer
or a lower one. No exceptions. Exits 1 listing every offending line.
"""
import os
import re
import sys

root = sys.argv[1]
LAYERS = [("lib", ["include/smtrain", "src/lib"]), ("s3", ["src/s3"]), ("process", ["src/process"]),
          ("runners", ["src/runners"]), ("launcher", ["src/launcher"])]
EXCEPTIONS = set()
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    rel = os.path.relpath(path, root)
    for rank, (_, dirs) in enumerate(LAYERS):
        if any(rel == d or rel.startswith(d + "/") for d in dirs):
            return rank
    return None


def resolve(including, name):
    # A bare name found in a higher layer's directory is what a wrong include
    # path would compile against: the highest layer is tried first.
    bases = [os.path.dirname(including)] + [os.path.join(root, d) for _, dirs in reversed(LAYERS) for d in dirs]
    for base in bases + [os.path.join(root, "src"), os.path.join(root, "include")]:
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(candidate):
            return candidate
    return None


bad = []
checked = 0
for _, dirs in LAYERS:
    for d in dirs:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in files:
                if not f.endswith((".hpp", ".cpp", ".h", ".c", ".inc")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                if rel in EXCEPTIONS:
                    continue
                own = layer_of(path)
                with open(path, encoding="utf-8", errors="replace") as text:
                    for number, line in enumerate(text, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        checked += 1
                        target = resolve(path, m.group(1))
                        if target is None:
                            continue  # generated or system: not ours to rank
                        if (layer_of(target) or 0) > own:
                            bad.append(f"{rel}:{number}: {LAYERS[own][0]} includes {os.path.relpath(target, root)} "
                                       f"({LAYERS[layer_of(target)][0]})")
for line in bad:
    print(line)
print(f"layering: {checked} includes checked, {len(bad)} from a lower layer into a higher one")
sys.exit(1 if bad else 0)
