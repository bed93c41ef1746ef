# SPDX-License-Identifier: Apache-2.0
# S3 tests (issue 4). Label: s3.
if(TARGET smtrain_launcher)
  set(SMTRAIN_S3_TEST_LIBS smtrain_launcher)
else()
  # The launcher is not built: compile the S3 sources into a library of our own.
  set(SMTRAIN_LAUNCHER_SOURCES)
  set(SMTRAIN_LAUNCHER_LIBS)
  include(${PROJECT_SOURCE_DIR}/src/s3/sources.cmake)
  add_library(smtrain_s3_for_tests STATIC ${SMTRAIN_LAUNCHER_SOURCES})
  target_link_libraries(smtrain_s3_for_tests PUBLIC smtrain::smtrain ${SMTRAIN_LAUNCHER_LIBS} PRIVATE smtrain_warnings)
  target_include_directories(smtrain_s3_for_tests PUBLIC ${PROJECT_SOURCE_DIR}/src)
  set(SMTRAIN_S3_TEST_LIBS smtrain_s3_for_tests)
endif()

smtrain_add_gtest(smtrain_s3_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/extract_test.cpp
  LIBS ${SMTRAIN_S3_TEST_LIBS}
  LABELS s3)
# The tests write tarballs with libarchive's pax writer, which drags in the
# table of every writer (xar needs libxml2, the digests need nettle): only the
# tests link those, after the static libarchive.
target_link_libraries(smtrain_s3_tests PRIVATE ${SMTRAIN_STATIC_archive} xml2 nettle)
