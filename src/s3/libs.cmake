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
# libcurl and OpenSSL (static archives in the fully static sm-train).
include(SmtrainStaticCurl)
list(APPEND SMTRAIN_S3_LIBS smtrain_curl ${CMAKE_DL_LIBS} Threads::Threads)
