# SPDX-License-Identifier: Apache-2.0
# libcurl for the S3 area, and the fully static sm-train.
#
#   include(SmtrainStaticCurl)
#     SMTRAIN_FULLY_STATIC   ON when sm-train is linked with -static
#                            (SMTRAIN_STATIC_LAUNCHER and no sanitizers)
#     smtrain_curl           INTERFACE target: libcurl and OpenSSL, static
#                            archives when SMTRAIN_FULLY_STATIC, else shared
#   smtrain_static_executable(<target>)
#                            links <target> the way SMTRAIN_FULLY_STATIC says
#
# Every archive comes from a Debian bookworm -dev package (scripts/install-deps.sh).
# The linker's warnings that getaddrinfo, getpwuid_r, gethostbyname and dlopen
# "require at run time the shared libraries from the glibc version used for
# linking" are expected: name lookups are pinned to the built-in services
# (src/launcher/cli/static_name_lookup.cpp), and OpenSSL, which holds the dlopen,
# never loads a module (its configuration is not read: src/s3/curl_api.cpp).
# Debian's libcurl.a also references GSS-API, LDAP and RTMP, which have no
# usable static library; src/s3/curl_stubs/ stands in for them (its README).

set(SMTRAIN_FULLY_STATIC OFF)
if(SMTRAIN_STATIC_LAUNCHER AND NOT SMTRAIN_SANITIZE)
  set(SMTRAIN_FULLY_STATIC ON)
endif()

if(NOT TARGET smtrain_curl)
  find_package(CURL REQUIRED)
  find_package(OpenSSL 3 REQUIRED)
  # A global INTERFACE target: it is created in whichever directory includes
  # this first and used from others (src/launcher, tests/s3).
  add_library(smtrain_curl INTERFACE)
  target_include_directories(smtrain_curl INTERFACE ${CURL_INCLUDE_DIRS})
  if(SMTRAIN_FULLY_STATIC)
    # Dependants before what they use: curl's own libraries, then OpenSSL
    # (also used by libssh2), then the compression libraries.
    set(_smtrain_curl_archives)
    foreach(lib curl nghttp2 ssh2 psl idn2 unistring ssl crypto zstd brotlidec brotlicommon z)
      find_library(SMTRAIN_STATIC_CURL_${lib} NAMES lib${lib}.a)
      if(NOT SMTRAIN_STATIC_CURL_${lib})
        message(FATAL_ERROR "lib${lib}.a not found: install libcurl4-openssl-dev libssl-dev "
                            "libnghttp2-dev libssh2-1-dev libpsl-dev libidn2-dev libunistring-dev "
                            "libbrotli-dev libzstd-dev zlib1g-dev (scripts/install-deps.sh --build)")
      endif()
      list(APPEND _smtrain_curl_archives ${SMTRAIN_STATIC_CURL_${lib}})
    endforeach()
    add_library(smtrain_curl_stubs STATIC
      ${PROJECT_SOURCE_DIR}/src/s3/curl_stubs/gssapi_stubs.c
      ${PROJECT_SOURCE_DIR}/src/s3/curl_stubs/ldap_stubs.c
      ${PROJECT_SOURCE_DIR}/src/s3/curl_stubs/rtmp_stubs.c)
    target_compile_options(smtrain_curl_stubs PRIVATE -Wall -Wextra -ffunction-sections)
    if(SMTRAIN_WARNINGS_AS_ERRORS)
      target_compile_options(smtrain_curl_stubs PRIVATE -Werror)
    endif()
    target_link_libraries(smtrain_curl INTERFACE ${_smtrain_curl_archives} smtrain_curl_stubs
      Threads::Threads ${CMAKE_DL_LIBS})
  else()
    target_link_libraries(smtrain_curl INTERFACE CURL::libcurl OpenSSL::SSL)
  endif()
endif()

# sm-train starts in images whose C library it cannot know: fully static, with
# name lookups pinned to the built-in services (static_name_lookup.cpp). Without
# SMTRAIN_STATIC_LAUNCHER, an ordinary dynamic executable; with sanitizers,
# static but for the C library (the sanitizer runtimes need a dynamic libc).
function(smtrain_static_executable target)
  if(SMTRAIN_FULLY_STATIC)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/launcher/cli/static_name_lookup.cpp)
    target_link_options(${target} PRIVATE -static)
  elseif(SMTRAIN_STATIC_LAUNCHER)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
