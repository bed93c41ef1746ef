# SPDX-License-Identifier: Apache-2.0
# Libraries of the S3 area, as SMTRAIN_S3_LIBS. Included by sources.cmake and by
# tests/s3/tests.cmake (which may build the S3 sources on its own).

set(SMTRAIN_S3_LIBS)
foreach(lib archive zstd lz4 lzma bz2 z)
  find_library(SMTRAIN_STATIC_${lib} NAMES lib${lib}.a)
  if(NOT SMTRAIN_STATIC_${lib})
    message(FATAL_ERROR "lib${lib}.a not found: install libarchive-dev, libzstd-dev, liblz4-dev, liblzma-dev, libbz2-dev, zlib1g-dev")
  endif()
  list(APPEND SMTRAIN_S3_LIBS ${SMTRAIN_STATIC_${lib}})
endforeach()
if(NOT TARGET smtrain_s3_headers)
  # A global INTERFACE target, so the imported targets below resolve wherever it is used.
  find_package(nlohmann_json 3 REQUIRED)  # header-only: credential responses
  add_library(smtrain_s3_headers INTERFACE)
  target_link_libraries(smtrain_s3_headers INTERFACE nlohmann_json::nlohmann_json)
endif()
# libcurl and OpenSSL (static archives in the fully static sm-train).
include(SmtrainStaticCurl)
list(APPEND SMTRAIN_S3_LIBS smtrain_s3_headers smtrain_curl ${CMAKE_DL_LIBS} Threads::Threads)
