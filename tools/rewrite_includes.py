#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Spells every include of a layer's header as "<layer>/x.hpp" (issue 19 item 5).

    tools/rewrite_includes.py [--check] [SOURCE_DIR]

Each layer's headers are found from an include root that holds that layer's
folder only (src/CMakeLists.txt, smtrain_layer_root), so an include names its
layer: "process/stop.hpp", "runners/plan.hpp", "lib/unique_fd.hpp". This
rewrites, in src/, tests/, bench/ and fuzz/:

  - a bare name of a layer's header ("stop.hpp"), resolved from the including
    file's folder first and then from the layer folders, and a relative reach
    ("../lib/unique_fd.hpp"), to "<layer>/<path in the layer>";
  - a layer's header that moved to a subfolder of its layer ("launcher/train.hpp"
    after the move to src/launcher/lifecycle/), to its one new place
    ("launcher/lifecycle/train.hpp");
  - a public header written with quotes ("smtrain/error.hpp") to <smtrain/...>;
  - the headers that left the public API (issue 19 item 6) to their internal
    place: <smtrain/json.hpp> -> "lib/json.hpp", <smtrain/python_format.hpp>
    -> "lib/python_format.hpp";

and deletes the CMake lines marked "bare names: removed by
tools/rewrite_includes.py" (the include paths that only served bare names).
Changed C/C++ files go through clang-format (.clang-format sorts each block).

Idempotent: a second run changes nothing. Re-run it after merging a branch that
still includes by bare name. --check changes nothing and exits 1 when a file
would change (listing them). Includes of files that are not a layer's (tests'
own helpers, generated headers, system headers) are left as they are.
"""
import os
import re
import shutil
import subprocess
import sys

LAYERS = ["lib", "s3", "process", "runners", "launcher"]
TREES = ["src", "tests", "bench", "fuzz"]
SUFFIXES = (".c", ".h", ".cpp", ".hpp", ".inc")
MOVED = {"smtrain/json.hpp": "lib/json.hpp", "smtrain/python_format.hpp": "lib/python_format.hpp"}
CMAKE_MARK = "# bare names: removed by tools/rewrite_includes.py"
INCLUDE = re.compile(r'^(\s*#\s*include\s+)(["<])([^">]+)([">])(.*)$')


def layer_path(root, path):
    """("process", "stop.hpp") when `path` is in a layer's folder, else None."""
    rel = os.path.relpath(path, os.path.join(root, "src"))
    layer = rel.split(os.sep, 1)[0]
    if layer in LAYERS and os.sep in rel and not rel.startswith(".."):
        return layer, rel.split(os.sep, 1)[1].replace(os.sep, "/")
    return None


def in_layer(root, layer, name):
    """The paths in `layer`, under any of its subfolders, that end in `name` ("train.hpp")."""
    found = []
    for dirpath, dirnames, files in os.walk(os.path.join(root, "src", layer)):
        dirnames.sort()
        path = os.path.join(dirpath, name)
        if os.path.isfile(path):
            found.append(os.path.relpath(path, os.path.join(root, "src", layer)).replace(os.sep, "/"))
    return found


def spelled(root, including, quote, name):
    """The new spelling of one include (quote, name), or None to keep it."""
    if quote == "<":
        return ('"', MOVED[name]) if name in MOVED else None
    first = name.split("/", 1)[0]
    if first in LAYERS and os.path.isfile(os.path.join(root, "src", name)):
        return None  # already "<layer>/x.hpp"
    if first in LAYERS and "/" in name:
        moved = in_layer(root, first, name.split("/", 1)[1])
        return ('"', f"{first}/{moved[0]}") if len(moved) == 1 else None
    if name.startswith("smtrain/") and os.path.isfile(os.path.join(root, "include", name)):
        return ("<", name)
    if name in MOVED:
        return ('"', MOVED[name])
    local = os.path.normpath(os.path.join(os.path.dirname(including), name))
    if os.path.isfile(local):
        found = layer_path(root, local)
        return ('"', "/".join(found)) if found else None
    if "/" in name:
        return None
    hits = [f"{layer}/{found}" for layer in LAYERS for found in in_layer(root, layer, name)]
    return ('"', hits[0]) if len(hits) == 1 else None


def rewrite_file(root, path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    changed = False
    for i, line in enumerate(lines):
        m = INCLUDE.match(line)
        if not m:
            continue
        new = spelled(root, path, m.group(2), m.group(3))
        if new is None:
            continue
        quote, name = new
        close = '"' if quote == '"' else ">"
        lines[i] = f"{m.group(1)}{quote}{name}{close}{m.group(5)}"
        changed = changed or lines[i] != line
    return "\n".join(lines) if changed else None


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv[1:]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    changes = {}
    for tree in TREES:
        for dirpath, dirnames, files in os.walk(os.path.join(root, tree)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                if f.endswith(SUFFIXES):
                    text = rewrite_file(root, path)
                elif f == "CMakeLists.txt" or f.endswith(".cmake"):
                    with open(path, encoding="utf-8") as cm:
                        old = cm.read()
                    kept = [line for line in old.split("\n") if CMAKE_MARK not in line]
                    text = "\n".join(kept) if len(kept) != old.count("\n") + 1 else None
                else:
                    continue
                if text is not None:
                    changes[path] = text
    for path in sorted(changes):
        print(os.path.relpath(path, root))
    if check:
        print(f"rewrite_includes: {len(changes)} files would change")
        return 1 if changes else 0
    for path, text in changes.items():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    sources = [p for p in changes if p.endswith(SUFFIXES)]
    if sources:
        clang_format = shutil.which("clang-format")
        if clang_format is None:
            print("rewrite_includes: clang-format not found: run scripts/check-format.sh --fix", file=sys.stderr)
        else:
            subprocess.run([clang_format, "-i", *sources], check=True, cwd=root)
    print(f"rewrite_includes: {len(changes)} files changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
