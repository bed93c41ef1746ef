# SPDX-License-Identifier: Apache-2.0
# Read by ctest in cross builds (tests/CMakeLists.txt): the tests that cannot
# pass under qemu-user, each with its labels plus no-qemu, and the reason.
# docs/arm64.md lists them; on arm64 hardware they run as on x86-64.

# qemu-user runs clone(CLONE_VM | CLONE_VFORK) as a plain fork (it cannot share
# the guest's memory between two host processes), so the child's errno after a
# failed execve, which spawn() reads from the memory it shares with the child
# (src/process/spawn.cpp), never reaches the parent: a missing program ends as
# a child exiting 127 instead of a SpawnError naming the execve failure.
set(_smtrain_no_qemu_spawn_errors
  process Spawn.AMissingProgramIsASpawnErrorAndLeavesNoChild
)

foreach(_list IN ITEMS _smtrain_no_qemu_spawn_errors)
  set(_pairs ${${_list}})
  list(LENGTH _pairs _length)
  math(EXPR _last "${_length} - 1")
  foreach(_i RANGE 0 ${_last} 2)
    math(EXPR _j "${_i} + 1")
    list(GET _pairs ${_i} _labels)
    list(GET _pairs ${_j} _test)
    string(REPLACE "," ";" _labels "${_labels}")
    set_tests_properties(${_test} PROPERTIES LABELS "${_labels};no-qemu")
  endforeach()
endforeach()
