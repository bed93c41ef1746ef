# SPDX-License-Identifier: Apache-2.0
# bench_static_start: the fully static sm-train's start overhead against the
# same code linked against a dynamic glibc (sm-train-glibc-dynamic, built here
# as sm-train was linked before it was fully static: non-PIE, static libstdc++
# and libgcc, dynamic libc). Run:
#   build/dev/bench/bench_static_start build/dev/src/launcher/sm-train build/dev/bench/sm-train-glibc-dynamic
include(SmtrainStaticCurl)
if(TARGET sm-train AND SMTRAIN_FULLY_STATIC)
  get_target_property(_bench_sm_train_dir sm-train SOURCE_DIR)
  get_target_property(_bench_sm_train_sources sm-train SOURCES)
  # Everything of sm-train but the NSS pin, which only a static glibc needs.
  list(FILTER _bench_sm_train_sources EXCLUDE REGEX "static_name_lookup")
  list(TRANSFORM _bench_sm_train_sources PREPEND "${_bench_sm_train_dir}/" REGEX "^[^/]")
  add_executable(sm-train-glibc-dynamic ${_bench_sm_train_sources})
  target_link_libraries(sm-train-glibc-dynamic PRIVATE smtrain_launcher smtrain_warnings)
  set_target_properties(sm-train-glibc-dynamic PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  target_link_options(sm-train-glibc-dynamic PRIVATE -no-pie LINKER:-O1 LINKER:--gc-sections
    -static-libstdc++ -static-libgcc)

  add_executable(bench_static_start ${CMAKE_CURRENT_LIST_DIR}/static_start_bench.cpp)
  target_link_libraries(bench_static_start PRIVATE smtrain_warnings)
  add_dependencies(bench_static_start sm-train sm-train-glibc-dynamic)
endif()
