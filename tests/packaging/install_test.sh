#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fixture for the consumer tests: `cmake --install` the build tree into a
# fresh prefix, then check that the installed layout is the documented one.
#   install_test.sh <build dir> <prefix> <libdir> <includedir> <bindir> <expect sm-train: ON/OFF> <expect shim: ON/OFF>
source "$(dirname "$0")/lib.sh"
build=$1 prefix=$2 libdir=$3 includedir=$4 bindir=$5 launcher=$6 shim=$7

fresh_dir "$prefix"
cmake --install "$build" --prefix "$prefix"

expected=(
    "$includedir/smtrain/training_env.hpp"
    "$includedir/smtrain/value.hpp"
    "$includedir/smtrain/error.hpp"
    "$includedir/smtrain/testing/fake_tree.hpp"
    "$libdir/libsmtrain_testing.a"
    "$libdir/pkgconfig/smtrain-testing.pc"
    "$includedir/smtrain/version.hpp"
    "$libdir/libsmtrain.a"
    "$libdir/cmake/smtrain/smtrainConfig.cmake"
    "$libdir/cmake/smtrain/smtrainConfigVersion.cmake"
    "$libdir/cmake/smtrain/smtrainTargets.cmake"
    "$libdir/pkgconfig/smtrain.pc"
)
[[ $launcher == ON ]] && expected+=("$bindir/sm-train")
# The MPI runner looks for the gethostname shim beside sm-train.
[[ $shim == ON ]] && expected+=("$bindir/libsmtrain-gethostname.so")
for file in "${expected[@]}"; do
    [[ -f $prefix/$file ]] || fail "not installed: $file"
done
if [[ $launcher == ON ]]; then
    [[ -x $prefix/$bindir/sm-train ]] || fail "$bindir/sm-train is not executable"
fi
# Every public header is installed, and nothing but headers lands in include/.
for header in "$(dirname "$0")"/../../include/smtrain/*.hpp; do
    [[ -f $prefix/$includedir/smtrain/$(basename "$header") ]] || fail "header not installed: $(basename "$header")"
done
others=$(find "$prefix/$includedir" -type f ! -name '*.hpp')
[[ -z $others ]] || fail "unexpected files in $includedir: $others"
# The internal headers (smtrain::internal: the Python-exact JSON, Python's
# renderings, the machine probe) are not part of the package.
for internal in json.hpp python_format.hpp machine_probe.hpp; do
    [[ ! -e $prefix/$includedir/smtrain/$internal ]] || fail "internal header installed: smtrain/$internal"
done
# Every installed header compiles on its own with the installed headers only.
for header in $(cd "$prefix/$includedir" && find smtrain -name '*.hpp' | sort); do
    echo "#include <$header>" | ${CXX:-c++} -std=c++20 -fsyntax-only -x c++ -I "$prefix/$includedir" - ||
        fail "installed header $header does not compile on its own"
done
echo "installed into $prefix:"
(cd "$prefix" && find . -type f | sort)
