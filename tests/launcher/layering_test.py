#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Includes name their layer, and no layer includes a higher one (docs/architecture.md).

    layering_test.py SOURCE_DIR                  the rules below, on the tree
    layering_test.py --self-test                 the rules find each kind of violation
    layering_test.py --compiler BUILD_DIR        the compiler refuses a higher layer's header

Layers, each a CMake target: lib (src/lib: libsmtrain's internals, "lib/x.hpp"
through smtrain::internal; include/smtrain: the public API, <smtrain/x.hpp>),
s3 and process (siblings on lib), runners (on process), launcher (on all).
Each layer's headers are found from an include root of its own, given only to
the targets that link the layer (src/CMakeLists.txt, smtrain_layer_root).

The rules, for every #include in src/, include/, tests/, bench/ and fuzz/:
  1. a header of a layer is spelled "<layer>/path" (no bare name of a layer's
     header, no relative reach such as "../lib/unique_fd.hpp");
  2. in a layer's folder, "<layer>/..." names the layer itself or one it links;
  3. a public header (include/smtrain) includes public headers only;
  4. in the launcher, a part includes only itself and the parts below it
     (PARTS: cli -> devloop -> lifecycle), and every launcher source is in one
     of the parts' folders.
No exceptions. Exits 1 listing every offending line.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

LAYERS = ["lib", "s3", "process", "runners", "launcher"]
ALLOWED = {
    "lib": {"lib"},
    "testing": {"lib"},
    "s3": {"lib", "s3"},
    "process": {"lib", "process"},
    "runners": {"lib", "process", "runners"},
    "launcher": {"lib", "s3", "process", "runners", "launcher"},
}
# The launcher's parts (docs/architecture.md): each may include the ones listed.
PARTS = {
    "lifecycle": {"lifecycle"},
    "devloop": {"devloop", "lifecycle"},
    "cli": {"cli", "devloop", "lifecycle"},
}
TREES = ["src", "include", "tests", "bench", "fuzz"]
SUFFIXES = (".hpp", ".cpp", ".h", ".c", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s+(["<])([^">]+)[">]')


def folder_layer(root, path):
    """The layer whose folder holds `path` ("lib", ..., "testing"), "public", or None."""
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "include":
        return "public"
    if rel[0] == "src" and len(rel) > 2 and rel[1] in ALLOWED:
        return rel[1]
    return None


def in_layer(root, layer, name):
    """The paths in `layer`'s folder, at any depth, that end in `name` ("train.hpp")."""
    found = []
    for dirpath, dirnames, files in os.walk(os.path.join(root, "src", layer)):
        dirnames.sort()
        if os.path.isfile(os.path.join(dirpath, name)):
            found.append(os.path.relpath(os.path.join(dirpath, name), os.path.join(root, "src", layer)))
    return [f.replace(os.sep, "/") for f in found]


def launcher_part(root, path):
    """The launcher part whose folder holds `path` ("cli", ...), "" for another launcher folder, else None."""
    rel = os.path.relpath(path, os.path.join(root, "src", "launcher")).split(os.sep)
    if rel[0] == ".." or len(rel) < 2:
        return None if rel[0] == ".." else ""
    return rel[0] if rel[0] in PARTS else ""


def check(root):
    bad = []
    checked = 0
    for tree in TREES:
        for dirpath, _, files in os.walk(os.path.join(root, tree)):
            for f in sorted(files):
                if not f.endswith(SUFFIXES):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                own = folder_layer(root, path)
                part = launcher_part(root, path)
                if part == "":
                    bad.append(f"{rel}: a launcher source outside the parts' folders ({', '.join(sorted(PARTS))})")
                with open(path, encoding="utf-8", errors="replace") as text:
                    for number, line in enumerate(text, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        checked += 1
                        quote, name = m.groups()
                        where = f"{rel}:{number}: #include {quote}{name}{'>' if quote == '<' else quote}"
                        first = name.split("/", 1)[0]
                        if own == "public" and (quote == '"' or first in LAYERS):
                            bad.append(f"{where}: a public header includes only <smtrain/...> and system headers")
                            continue
                        if quote == "<":
                            continue
                        if first in LAYERS and os.path.isfile(os.path.join(root, "src", name)):
                            if own in ALLOWED and first not in ALLOWED[own]:
                                bad.append(f"{where}: {own} does not link {first}")
                            target = name.split("/")[1] if first == "launcher" and name.count("/") > 1 else None
                            if part and target in PARTS and target not in PARTS[part]:
                                bad.append(f"{where}: the launcher's {part} is above {target}, not below it")
                            continue
                        local = os.path.normpath(os.path.join(dirpath, name))
                        if os.path.isfile(local):
                            landed = folder_layer(root, local)
                            if landed in LAYERS:
                                inner = os.path.relpath(local, os.path.join(root, "src", landed))
                                bad.append(f'{where}: spell it "{landed}/{inner}"')
                            continue
                        hits = [f"{layer}/{found}" for layer in LAYERS for found in in_layer(root, layer, name)]
                        if first in LAYERS and "/" in name:  # a layer's header that moved within its layer
                            hits = [f"{first}/{found}" for found in in_layer(root, first, name.split("/", 1)[1])]
                        if hits:
                            bad.append(f'{where}: spell it "{hits[0]}"')
    return checked, bad


def self_test():
    """Each rule, on a made-up tree: the check must name every planted violation."""
    files = {
        "include/smtrain/value.hpp": "",
        "include/smtrain/api.hpp": '#include "lib/json.hpp"\n#include <smtrain/value.hpp>\n',
        "src/lib/json.hpp": "",
        "src/lib/unique_fd.hpp": "",
        "src/lib/json.cpp": '#include "json.hpp"\n',
        "src/s3/client.cpp": '#include "process/stop.hpp"\n#include "lib/json.hpp"\n',
        "src/process/stop.hpp": '#include "../lib/unique_fd.hpp"\n',
        "src/process/spawn.cpp": '#include "process/stop.hpp"\n#include "runners/plan.hpp"\n',
        "src/runners/plan.hpp": '#include "process/stop.hpp"\n#include "s3/client.hpp"\n',
        "src/s3/client.hpp": "",
        "src/launcher/lifecycle/train.cpp": '#include "runners/plan.hpp"\n#include "s3/client.hpp"\n',
        "src/launcher/lifecycle/train.hpp": "",
        "src/launcher/lifecycle/report.cpp": '#include "launcher/devloop/local.hpp"\n',
        "src/launcher/devloop/local.hpp": '#include "launcher/lifecycle/train.hpp"\n',
        "src/launcher/cli/cli.cpp": '#include "launcher/devloop/local.hpp"\n#include "launcher/train.hpp"\n',
        "src/launcher/stray.cpp": "",
        "tests/process/stop_test.cpp": '#include "stop.hpp"\n#include "process/stop.hpp"\n',
    }
    expected = [
        "include/smtrain/api.hpp:1:",  # rule 3
        "src/lib/json.cpp:1:",  # rule 1, a bare name in the layer's own folder
        "src/s3/client.cpp:1:",  # rule 2, s3 and process are siblings
        "src/process/stop.hpp:1:",  # rule 1, a ../ reach
        "src/process/spawn.cpp:2:",  # rule 2, a lower layer includes a higher one
        "src/runners/plan.hpp:2:",  # rule 2, runners do not link s3
        "tests/process/stop_test.cpp:1:",  # rule 1, a bare name through the include path
        "src/launcher/lifecycle/report.cpp:1:",  # rule 4, the lifecycle includes the development loop
        "src/launcher/cli/cli.cpp:2:",  # rule 1, a launcher header by its old place (moved to a part)
        "src/launcher/stray.cpp:",  # rule 4, a launcher source in no part
    ]
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        _, bad = check(root)
    found = [e for e in expected if any(line.startswith(e) for line in bad)]
    extra = [line for line in bad if not any(line.startswith(e) for e in expected)]
    for line in bad:
        print("found:", line)
    for e in expected:
        if e not in found:
            print("MISSED:", e)
    for line in extra:
        print("WRONGLY FLAGGED:", line)
    ok = len(found) == len(expected) and not extra
    print(f"layering self-test: {len(found)}/{len(expected)} planted violations found, {len(extra)} false")
    return 0 if ok else 1


def compiler_test(build_dir):
    """Compiles a probe with the flags of a real source of each layer: a header of
    a layer the target does not link must not be found, one it links must be."""
    database = os.path.join(build_dir, "compile_commands.json")
    if not os.path.isfile(database):
        print(f"SKIPPED: no {database}: configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON (the presets do)")
        return 77
    with open(database) as f:
        commands = json.load(f)
    probes = [  # (a source of the target, include, must compile)
        ("src/lib/json_parse.cpp", "process/stop.hpp", False),
        ("src/lib/json_parse.cpp", "lib/unique_fd.hpp", True),
        ("src/s3/s3_url.cpp", "process/stop.hpp", False),
        ("src/s3/s3_url.cpp", "lib/unique_fd.hpp", True),
        ("src/s3/s3_url.cpp", "s3/client.hpp", True),
        ("src/s3/s3_url.cpp", "s3_url.hpp", False),  # a bare name is not on the path
        ("src/process/reaper.cpp", "s3/client.hpp", False),
        ("src/process/reaper.cpp", "runners/plan.hpp", False),
        ("src/process/reaper.cpp", "process/stop.hpp", True),
        ("src/runners/choose.cpp", "launcher/lifecycle/train.hpp", False),
        ("src/runners/choose.cpp", "s3/client.hpp", False),
        ("src/runners/choose.cpp", "process/stop.hpp", True),
        ("src/launcher/lifecycle/settings.cpp", "runners/plan.hpp", True),
        ("src/launcher/lifecycle/settings.cpp", "s3/client.hpp", True),
        ("src/launcher/cli/cli.cpp", "launcher/lifecycle/train.hpp", True),
        ("src/launcher/cli/cli.cpp", "train.hpp", False),  # a bare name is not on the path
    ]
    by_file = {os.path.normpath(c["file"]): c for c in commands}
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "probe.cpp")
        for source, header, must_compile in probes:
            source_path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..", source))
            entry = by_file.get(source_path)
            if entry is None:
                print(f"FAIL {source}: not in compile_commands.json")
                failures += 1
                continue
            argv = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
            if os.path.basename(argv[0]) == "ccache":
                argv = argv[1:]
            kept = []
            skip = False
            for arg in argv:
                if skip:
                    skip = False
                    continue
                if arg in ("-o", "-MF", "-MT", "-MQ"):
                    skip = True
                    continue
                if arg in ("-c", "-MD", "-MMD") or os.path.normpath(os.path.join(entry["directory"], arg)) == source_path:
                    continue
                kept.append(arg)
            with open(probe, "w") as f:
                f.write(f'#include "{header}"\n')
            result = subprocess.run(kept + ["-fsyntax-only", probe], cwd=entry["directory"], capture_output=True,
                                    text=True)
            compiled = result.returncode == 0
            refused_for_path = "No such file or directory" in result.stderr
            ok = compiled if must_compile else (not compiled and refused_for_path)
            verdict = "ok  " if ok else "FAIL"
            print(f"{verdict} {source} #include \"{header}\": {'compiles' if compiled else 'not found' if refused_for_path else 'error'}"
                  f" (must {'compile' if must_compile else 'not be found'})")
            if not ok:
                failures += 1
                print(result.stderr[-2000:])
    print(f"layering compiler: {len(probes) - failures}/{len(probes)} probes as the layers say")
    return 1 if failures else 0


def main():
    if sys.argv[1:2] == ["--self-test"]:
        return self_test()
    if sys.argv[1:2] == ["--compiler"]:
        return compiler_test(sys.argv[2])
    checked, bad = check(sys.argv[1])
    for line in bad:
        print(line)
    print(f"layering: {checked} includes checked, {len(bad)} against the rules")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
