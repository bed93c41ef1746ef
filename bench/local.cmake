# SPDX-License-Identifier: Apache-2.0
# bench_local: `sm-train local` to the program's start, against `sm-train train` on an init'd tree.
# Run: build/bench/bench_local build/src/launcher/sm-train build/bench/bench_local_mark [RUNS [CHANNEL_MIB]]
if(TARGET sm-train)
  add_executable(bench_local_mark ${CMAKE_CURRENT_LIST_DIR}/local_mark.c)
  add_executable(bench_local ${CMAKE_CURRENT_LIST_DIR}/local_bench.cpp)
  target_link_libraries(bench_local PRIVATE smtrain_warnings)
  add_dependencies(bench_local sm-train bench_local_mark)
endif()
