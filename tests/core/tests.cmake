# SPDX-License-Identifier: Apache-2.0
smtrain_add_gtest(smtrain_core_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/json_parse_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/json_dump_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/python_format_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/value_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/version_test.cpp
  DEFINES SMTRAIN_TEST_PROJECT_VERSION="${PROJECT_VERSION}"
  LABELS core)
