# SPDX-License-Identifier: Apache-2.0
# The process layer on its own (label: process): it links smtrain_process and
# nothing above it.
if(TARGET smtrain_process)
  smtrain_add_gtest(smtrain_process_tests
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/reaper_test.cpp ${CMAKE_CURRENT_LIST_DIR}/capture_scan_test.cpp
    LIBS smtrain_process
    LABELS process)
endif()

# The same tests with the test binary as PID 1 of its own PID namespace, as
# dumb-init runs every test in every mode: orphans then come to PID 1 rather
# than to a subreaper.
if(TARGET smtrain_process_tests)
  add_test(NAME pid1.smtrain_process_tests
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/as_pid1.sh $<TARGET_FILE:smtrain_process_tests>)
  set_tests_properties(pid1.smtrain_process_tests PROPERTIES LABELS "process;pid1" SKIP_RETURN_CODE 77)
endif()
