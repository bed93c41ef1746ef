# SPDX-License-Identifier: Apache-2.0
# Cross build for aarch64 (Graviton, Grace) on a Debian bookworm x86-64 machine:
#   cmake --preset release-arm64       (or arm64: the tests, run under qemu-user)
#
# Debian's multiarch gives everything this needs as packages
# (scripts/install-deps.sh --arm64): crossbuild-essential-arm64 (GCC 12 for
# aarch64-linux-gnu, the same compiler version as the x86-64 build) and the
# `:arm64` -dev packages, whose headers and static archives land in
# /usr/include/aarch64-linux-gnu and /usr/lib/aarch64-linux-gnu beside the
# x86-64 ones. CMake looks in lib/<CMAKE_LIBRARY_ARCHITECTURE> first, which the
# compiler reports as aarch64-linux-gnu, so find_library and find_package pick
# the arm64 archives and config files; pkg-config is pointed at the arm64 .pc
# files below. docs/arm64.md says why a cross build rather than a native arm64
# root under emulation.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SMTRAIN_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${SMTRAIN_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${SMTRAIN_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${SMTRAIN_CROSS_TRIPLET})

# Programs (python3, bash, openssl of the tests) are the build machine's. Never
# its x86-64 libraries: only lib/aarch64-linux-gnu and the
# architecture-independent directories are searched.
list(APPEND CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
  /usr/lib/x86_64-linux-gnu/cmake)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${SMTRAIN_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)

# Test programs (gtest discovery, ctest) run under qemu-user. binfmt_misc must
# also be registered (qemu-user-static does it): the tests start other arm64
# programs (sm-train, helpers) with execve.
find_program(SMTRAIN_QEMU_AARCH64 qemu-aarch64-static)
if(SMTRAIN_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SMTRAIN_QEMU_AARCH64})
endif()
