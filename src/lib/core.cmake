# SPDX-License-Identifier: Apache-2.0
# Core: Value, JSON read/write, Python renderings, Unicode tables.
list(APPEND SMTRAIN_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/value.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_parse.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_dump.cpp
  ${CMAKE_CURRENT_LIST_DIR}/python_format.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode.cpp)
