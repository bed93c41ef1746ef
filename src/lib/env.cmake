# libsmtrain sources of the "env" area: paths, config files, TrainingEnv, machine probes.
list(APPEND SMTRAIN_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/environ.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paths.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_files.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cluster.cpp
  ${CMAKE_CURRENT_LIST_DIR}/local_tree.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region.cpp
  ${CMAKE_CURRENT_LIST_DIR}/path_search.cpp
  ${CMAKE_CURRENT_LIST_DIR}/machine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_env.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_env_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/program_args.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_env_from_environment.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_env_hyperparameters.cpp
  ${CMAKE_CURRENT_LIST_DIR}/job_runtime.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint_file.cpp)
