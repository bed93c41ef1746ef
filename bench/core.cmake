# SPDX-License-Identifier: Apache-2.0
add_executable(smtrain_json_bench ${CMAKE_CURRENT_LIST_DIR}/json_bench.cpp)
target_link_libraries(smtrain_json_bench PRIVATE smtrain::internal smtrain_warnings)
