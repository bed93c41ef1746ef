# SPDX-License-Identifier: Apache-2.0
# sm-train tests (label: launcher). The process tests run the built sm-train
# binary and small helper programs as the user program.
if(TARGET smtrain_launcher)
  add_executable(smtrain_test_print_signals ${CMAKE_CURRENT_LIST_DIR}/helpers/print_signals.cpp)
  add_executable(smtrain_test_make_orphans ${CMAKE_CURRENT_LIST_DIR}/helpers/make_orphans.cpp)

  smtrain_add_gtest(launcher_unit_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit_test.cpp
    LIBS smtrain_launcher
    LABELS launcher)

  smtrain_add_gtest(launcher_process_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/process_test.cpp
    LIBS smtrain_launcher
    LABELS launcher)
  add_dependencies(launcher_process_test sm-train smtrain_test_print_signals smtrain_test_make_orphans)
  target_compile_definitions(launcher_process_test PRIVATE
    SMTRAIN_SM_TRAIN="$<TARGET_FILE:sm-train>"
    SMTRAIN_PRINT_SIGNALS="$<TARGET_FILE:smtrain_test_print_signals>"
    SMTRAIN_MAKE_ORPHANS="$<TARGET_FILE:smtrain_test_make_orphans>"
    SMTRAIN_S3_SERVER="${CMAKE_CURRENT_LIST_DIR}/helpers/s3_server.py")
endif()
