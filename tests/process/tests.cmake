# SPDX-License-Identifier: Apache-2.0
# The process layer on its own (label: process): it links smtrain_process and
# nothing above it. One file per feature. PID1 BINARY: the same tests again
# with the test binary as PID 1 of its own PID namespace, as dumb-init runs
# every test in every mode: orphans then come to PID 1 rather than to a subreaper.
if(TARGET smtrain_process)
  smtrain_add_gtest(smtrain_process_tests
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/hang_watchdog_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/output_sink_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/reaper_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/stop_listener_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/supervisor_faults_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/supervisor_test.cpp
    LIBS smtrain_process
    LABELS process
    PID1 BINARY)
endif()
