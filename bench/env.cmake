# bench_env: load a tree with N hosts and N hyperparameters, render env + argv.
# Run: build/bench/bench_env   (prints a table; not a test)
add_executable(bench_env ${CMAKE_CURRENT_LIST_DIR}/bench_env.cpp)
target_link_libraries(bench_env PRIVATE smtrain::internal smtrain_warnings)
