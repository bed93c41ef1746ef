# libsmtrain sources, one list per area so parallel work does not collide.
include(${CMAKE_CURRENT_LIST_DIR}/core.cmake OPTIONAL)  # Value, JSON, Python renderings, Unicode
include(${CMAKE_CURRENT_LIST_DIR}/env.cmake OPTIONAL)   # paths, config files, TrainingEnv, machine
include(${CMAKE_CURRENT_LIST_DIR}/tree.cmake OPTIONAL)  # the tree writer of FakeTree, init and local
