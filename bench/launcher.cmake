# SPDX-License-Identifier: Apache-2.0
# bench_launcher: sm-train's start overhead, peak RSS and stderr throughput.
# Run: build/bench/bench_launcher build/src/launcher/sm-train
if(TARGET sm-train)
  add_executable(bench_launcher ${CMAKE_CURRENT_LIST_DIR}/launcher_bench.cpp)
  target_link_libraries(bench_launcher PRIVATE smtrain_warnings)
  add_dependencies(bench_launcher sm-train)
endif()
