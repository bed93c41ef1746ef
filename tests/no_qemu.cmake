# SPDX-License-Identifier: Apache-2.0
# Read by ctest in cross builds (tests/CMakeLists.txt): the tests that cannot
# pass under qemu-user, each with its labels plus no-qemu, and the reason.
# The GTEST_FILTER in tests/CMakeLists.txt keeps the same tests out
# of the runs of a whole test binary (pid1.smtrain_process_tests).
# docs/arm64.md lists them; on arm64 hardware they run as on x86-64.

# qemu-user runs clone(CLONE_VM | CLONE_VFORK) as a plain fork (it cannot share
# the guest's memory between two host processes), so the child's errno after a
# failed execve, which spawn() reads from the memory it shares with the child
# (src/process/spawn.cpp), never reaches the parent: a missing program ends as
# a child exiting 127 instead of a SpawnError naming the execve failure.
set(_smtrain_no_qemu_spawn_errors
  process Spawn.AMissingProgramIsASpawnErrorAndLeavesNoChild
  process Supervisor.MissingProgramIsASpawnError
  launcher SmTrain.InstallThatCannotStartIsReportedAsTheInstallsFailure
  launcher,pid1 pid1.SmTrain.InstallThatCannotStartIsReportedAsTheInstallsFailure
  launcher SmTrain.ProgramThatCannotBeExecuted
  launcher,pid1 pid1.SmTrain.ProgramThatCannotBeExecuted
)

# qemu-user 7.2 (Debian bookworm's) refuses prctl(PR_SET_CHILD_SUBREAPER) with
# EINVAL, so a process that is not PID 1 cannot become a subreaper under it;
# orphans go to the machine's init instead. (As PID 1 of a PID namespace, the
# `pid1.` copies, reaping needs no prctl and is tested.)
# sm-train then warns on stderr that it cannot become a subreaper, which the
# tests of its exact stderr and of its supervision mode see.
set(_smtrain_no_qemu_subreaper
  process Reaper.OrphansAreReapedAndForgotten
  launcher SmTrain.RunsInTheModeTheTestAsksFor
  launcher SmTrain.LogLevelHidesInfo
)

# The job's signal scenarios that were here for qemu's signal state at the start
# and for timing (a SIGTERM at the start, the wait for hosts, the grace period,
# 500 orphans) are rows of reliability/faults_test.cpp and lifecycle_test.cpp
# now (issue 19 item 7), which cross builds do not build (docs/arm64.md).

# /proc/PID/exe of an emulated program is the emulator (binfmt_misc's
# qemu-aarch64 interpreter), not the program: the test that reads which
# program is PID 1 of its namespace finds qemu there. (Its other check, that
# the program's parent is PID 1, holds under qemu too.) launcher_sdk_v3_bash51,
# which runs that same test under bash 5.1, gets the label in tests.cmake (this
# file runs before its add_test).
set(_smtrain_no_qemu_proc_exe
  launcher V3Job.CommandModeAfterTheSdkScriptMakesSmTrainPid1
)

foreach(_list IN ITEMS _smtrain_no_qemu_spawn_errors _smtrain_no_qemu_subreaper _smtrain_no_qemu_proc_exe)
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
