# SPDX-License-Identifier: Apache-2.0
# S3 benchmarks: bench/s3_bench.sh (sync vs `aws s3 cp` to the same loopback moto) and
# bench/s3_rtt_bench.sh (the three workloads over a 20 ms RTT, against aws-cli and s3transfer).
# They link the smtrain_s3 layer alone.
if(TARGET smtrain_s3)
  add_executable(s3_bench ${CMAKE_CURRENT_LIST_DIR}/s3_bench.cpp)
  target_link_libraries(s3_bench PRIVATE smtrain_s3 smtrain_warnings)
  add_executable(s3_code_bench ${CMAKE_CURRENT_LIST_DIR}/s3_code_bench.cpp)
  target_link_libraries(s3_code_bench PRIVATE smtrain_s3 smtrain_warnings)
  # Extraction cost (issue 11 item 4): bench/extract_bench.sh drives it next to Python's tarfile.
  add_executable(extract_bench ${CMAKE_CURRENT_LIST_DIR}/extract_bench.cpp)
  target_link_libraries(extract_bench PRIVATE smtrain_s3 smtrain_warnings)
endif()
