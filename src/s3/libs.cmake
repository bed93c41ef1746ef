# SPDX-License-Identifier: Apache-2.0
# Libraries of the S3 area, as SMTRAIN_S3_LIBS. Included by src/s3/CMakeLists.txt.

# Not derived from `pkg-config --static --libs libarchive`: that also names
# libxml2, libacl and nettle, which serve formats and disk writers sm-train never
# calls (only the tar reader and the decompression filters are used), so the
# linker never pulls them in and they need not be installed as static archives.
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
