#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""sm-train's SMTRAIN_* variables are read in one place and documented once.

    settings_variables_test.py SOURCE_DIR

1. No file under src/ but src/launcher/lifecycle/settings.cpp names an SMTRAIN_*
   variable in a string literal (the layers get plain values from Settings).
   Allowed elsewhere: SMTRAIN_TEST_* (hooks of the tests, never set in a
   job) and the name that messages quote (ALLOWED below).
2. Each variable that settings.cpp reads has exactly one row in the table
   "Variables sm-train reads" of docs/launcher.md, with a default.
Exits 1 listing every offence.
"""
import os
import re
import sys

root = sys.argv[1]
SETTINGS = "src/launcher/lifecycle/settings.cpp"
# entry_point.hpp: kPythonVariable, the name find_python's errors quote.
ALLOWED = {("src/launcher/lifecycle/entry_point.hpp", "SMTRAIN_PYTHON")}
LITERAL = re.compile(r'"(SMTRAIN_[A-Z0-9_]+)"')

bad = []
if not os.path.isfile(os.path.join(root, SETTINGS)):
    bad.append(f"{SETTINGS}: not found (moved? this test names the one reader of SMTRAIN_*)")
read = set()
for dirpath, _, files in os.walk(os.path.join(root, "src")):
    for f in files:
        if not f.endswith((".hpp", ".cpp", ".h", ".c", ".inc")):
            continue
        path = os.path.join(dirpath, f)
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8", errors="replace") as text:
            for number, line in enumerate(text, 1):
                for name in LITERAL.findall(line):
                    if rel == SETTINGS:
                        read.add(name)
                    elif not name.startswith("SMTRAIN_TEST_") and (rel, name) not in ALLOWED:
                        bad.append(f"{rel}:{number}: reads {name} outside {SETTINGS}")

with open(os.path.join(root, "docs/launcher.md"), encoding="utf-8") as doc:
    text = doc.read()
table = text.split("## Variables sm-train reads", 1)[-1].split("\n## ", 1)[0]
for name in sorted(read):
    rows = [row for row in table.splitlines() if row.startswith(f"| `{name}` |")]
    if len(rows) != 1:
        bad.append(f"docs/launcher.md: {name}: {len(rows)} rows in 'Variables sm-train reads', expected 1")
    elif len(rows[0].split("|")) < 5 or not rows[0].split("|")[2].strip():
        bad.append(f"docs/launcher.md: {name}: no default in its row")

for line in bad:
    print(line)
print(f"settings variables: {len(read)} read in {SETTINGS}, {len(bad)} problem(s)")
sys.exit(1 if bad else 0)
