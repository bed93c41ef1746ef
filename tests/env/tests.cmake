# Tests of the "env" area: TrainingEnv and everything it reads.
smtrain_add_gtest(smtrain_env_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/env_test_util.hpp
    ${CMAKE_CURRENT_LIST_DIR}/full_tree_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/hyperparameters_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/env_vars_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cmd_args_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/program_args_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cluster_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/validation_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/local_tree_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/machine_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/region_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/from_environment_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/typed_access_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parity_regression_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/job_runtime_test.cpp
  LABELS env)
target_include_directories(smtrain_env_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests)
