# SPDX-License-Identifier: Apache-2.0
# S3 tests (issue 4). Label: s3. They talk to real servers on loopback: one
# moto S3 server for the whole run (a CTest fixture; a test binary run by hand
# starts its own), plus per-test python3 helpers in this directory.
if(NOT TARGET smtrain_s3)
  return()
endif()

set(SMTRAIN_S3_MOTO_STATE ${CMAKE_CURRENT_BINARY_DIR}/s3-moto.state)
# The tests write tarballs with libarchive's pax writer, which drags in the
# table of every writer (xar needs libxml2, the digests need nettle): only the
# tests link those, after the static libarchive.
smtrain_add_gtest(smtrain_s3_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/ca_bundle_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/client_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/codeartifact_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/extract_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/intermediate_sync_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/object_stream_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/progress_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/upload_pool_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/servers.cpp
  LIBS smtrain_s3 ${SMTRAIN_STATIC_archive} xml2 nettle nlohmann_json::nlohmann_json
  LABELS s3
  FIXTURES s3_moto
  TIMEOUT 300
  ENVIRONMENT SMTRAIN_TEST_MOTO_STATE=${SMTRAIN_S3_MOTO_STATE})

add_test(NAME s3.moto.start COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/moto_ctl.py start ${SMTRAIN_S3_MOTO_STATE})
add_test(NAME s3.moto.stop COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/moto_ctl.py stop ${SMTRAIN_S3_MOTO_STATE})
set_tests_properties(s3.moto.start PROPERTIES FIXTURES_SETUP s3_moto LABELS s3 TIMEOUT 120)
set_tests_properties(s3.moto.stop PROPERTIES FIXTURES_CLEANUP s3_moto LABELS s3)
