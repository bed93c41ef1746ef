# SPDX-License-Identifier: Apache-2.0
# S3 (issue 4): safe tarball extraction, the S3 client, code download and the
# intermediate output sync. Appends to SMTRAIN_LAUNCHER_SOURCES / _LIBS.
list(APPEND SMTRAIN_LAUNCHER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/progress.cpp
  ${CMAKE_CURRENT_LIST_DIR}/extract.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ca_bundle.cpp
  ${CMAKE_CURRENT_LIST_DIR}/curl_api.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/s3_url.cpp
  ${CMAKE_CURRENT_LIST_DIR}/credentials.cpp
  ${CMAKE_CURRENT_LIST_DIR}/client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/object_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/code_download.cpp
  ${CMAKE_CURRENT_LIST_DIR}/codeartifact.cpp
  ${CMAKE_CURRENT_LIST_DIR}/intermediate_sync.cpp)

# libcurl and OpenSSL are linked in: static archives in the fully static
# sm-train (cmake/SmtrainStaticCurl.cmake, included by libs.cmake).
# libarchive is linked statically.
# Only the tar reader and the decompression filters are used, so only the
# compression libraries are needed; libacl, libxml2 and nettle serve formats
# and disk writers sm-train never calls, and the linker never pulls them in.
include(${CMAKE_CURRENT_LIST_DIR}/libs.cmake)
list(APPEND SMTRAIN_LAUNCHER_LIBS ${SMTRAIN_S3_LIBS})
