# SPDX-License-Identifier: Apache-2.0
# Hostile inputs, faults and kernel limits (issue 6). Label: reliability.
# The catalogue (tests/data/bad/) and the fault tests run the real sm-train.
if(TARGET smtrain_launcher)
  add_executable(smtrain_test_fork_children ${CMAKE_CURRENT_LIST_DIR}/helpers/fork_children.cpp)

  # (make_orphans and print_signals are the launcher tests' helpers, tests/launcher/helpers/.)
  set(_children DEPENDS sm-train smtrain_test_fork_children smtrain_test_make_orphans smtrain_test_print_signals
    DEFINES
      SMTRAIN_SM_TRAIN="$<TARGET_FILE:sm-train>"
      SMTRAIN_FORK_CHILDREN="$<TARGET_FILE:smtrain_test_fork_children>"
      $<$<BOOL:${SMTRAIN_SANITIZE}>:SMTRAIN_SANITIZED>
      $<$<BOOL:${SMTRAIN_SANITIZE_THREAD}>:SMTRAIN_SANITIZED>)
  smtrain_add_gtest(reliability_catalogue_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/catalogue_test.cpp
    ${_children}
    LABELS reliability)
  # The supervision tests run again with sm-train as PID 1 of its own PID
  # namespace (PID1 EACH: tests/support/child.hpp, SMTRAIN_TEST_AS_PID1); else
  # it runs as a subreaper.
  smtrain_add_gtest(reliability_faults_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/faults_test.cpp
    ${_children}
      SMTRAIN_PRINT_SIGNALS="$<TARGET_FILE:smtrain_test_print_signals>"
      SMTRAIN_MAKE_ORPHANS="$<TARGET_FILE:smtrain_test_make_orphans>"
    LABELS reliability
    PID1 EACH)
  smtrain_add_gtest(reliability_lifecycle_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/lifecycle_test.cpp
    ${_children}
    LABELS reliability
    PID1 EACH)
  smtrain_add_gtest(reliability_env_limits_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/env_limits_test.cpp ${CMAKE_CURRENT_LIST_DIR}/regressions_test.cpp
    LIBS smtrain_launcher
    ${_children}
    LABELS reliability)
  # Each failure class of issue 21 produced for real (a memory cgroup, a full tmpfs, pip, ...).
  if(NOT SMTRAIN_SANITIZE)
    add_test(NAME reliability_failure_classes
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/failure_classes.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties(reliability_failure_classes PROPERTIES LABELS reliability TIMEOUT 300)
    # The hang watchdog (issue 21, items 3 and 6) with real programs; the torchrun
    # case (Gloo on CPU, torchrun's default port) runs alone.
    add_test(NAME reliability_hang_watchdog
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/hang_watchdog.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties(reliability_hang_watchdog PROPERTIES LABELS reliability TIMEOUT 300)
    # The diagnostics file read as JSON (issue 21): a hang, a failure, off.
    add_test(NAME reliability_diagnostics_json
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/diagnostics_json.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties(reliability_diagnostics_json PROPERTIES LABELS reliability TIMEOUT 120)
    add_test(NAME runners_hang_watchdog_torchrun
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/hang_watchdog.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties(runners_hang_watchdog_torchrun PROPERTIES
      ENVIRONMENT CASES=torchrun LABELS "runners;torchrun;reliability" TIMEOUT 300 RUN_SERIAL TRUE
      SKIP_RETURN_CODE 77)
  endif()
  # Where PID namespaces are refused, the pid1 copies skip and say so.
  add_test(NAME reliability_pid1_mode_guard
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/pid1_mode_guard.sh $<TARGET_FILE:reliability_lifecycle_test>)
  set_tests_properties(reliability_pid1_mode_guard PROPERTIES LABELS "reliability;pid1" SKIP_RETURN_CODE 77
    TIMEOUT 60)
endif()
