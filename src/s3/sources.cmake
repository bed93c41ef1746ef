# SPDX-License-Identifier: Apache-2.0
# S3 (issue 4): safe tarball extraction, the S3 client, code download and the
# intermediate output sync. Appends to SMTRAIN_LAUNCHER_SOURCES / _LIBS.
list(APPEND SMTRAIN_LAUNCHER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/progress.cpp
  ${CMAKE_CURRENT_LIST_DIR}/extract.cpp
  ${CMAKE_CURRENT_LIST_DIR}/curl_api.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/s3_url.cpp
  ${CMAKE_CURRENT_LIST_DIR}/credentials.cpp
  ${CMAKE_CURRENT_LIST_DIR}/client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/object_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/code_download.cpp
  ${CMAKE_CURRENT_LIST_DIR}/codeartifact.cpp
  ${CMAKE_CURRENT_LIST_DIR}/intermediate_sync.cpp)

# libcurl is not linked: curl_api.cpp loads libcurl.so.4 with dlopen (only
# <curl/curl.h> is needed at build time, from libcurl4-openssl-dev).
# libarchive is linked statically (sm-train is static but for the C library).
# Only the tar reader and the decompression filters are used, so only the
# compression libraries are needed; libacl, libxml2 and nettle serve formats
# and disk writers sm-train never calls, and the linker never pulls them in.
include(${CMAKE_CURRENT_LIST_DIR}/libs.cmake)
list(APPEND SMTRAIN_LAUNCHER_LIBS ${SMTRAIN_S3_LIBS})
