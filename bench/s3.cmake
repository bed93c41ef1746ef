# SPDX-License-Identifier: Apache-2.0
# S3 benchmark: bench/s3_bench.sh drives it (sync vs `aws s3 cp` to the same moto).
if(TARGET smtrain_launcher)
  add_executable(s3_bench ${CMAKE_CURRENT_LIST_DIR}/s3_bench.cpp)
  target_link_libraries(s3_bench PRIVATE smtrain_launcher smtrain_warnings)
elseif(TARGET smtrain_s3_for_tests)
  add_executable(s3_bench ${CMAKE_CURRENT_LIST_DIR}/s3_bench.cpp)
  target_link_libraries(s3_bench PRIVATE smtrain_s3_for_tests smtrain_warnings)
endif()

# Extraction cost (issue 11 item 4): bench/extract_bench.sh drives it next to Python's tarfile.
if(TARGET smtrain_launcher)
  add_executable(extract_bench ${CMAKE_CURRENT_LIST_DIR}/extract_bench.cpp)
  target_link_libraries(extract_bench PRIVATE smtrain_launcher smtrain_warnings)
elseif(TARGET smtrain_s3_for_tests)
  add_executable(extract_bench ${CMAKE_CURRENT_LIST_DIR}/extract_bench.cpp)
  target_link_libraries(extract_bench PRIVATE smtrain_s3_for_tests smtrain_warnings)
endif()
