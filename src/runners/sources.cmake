# SPDX-License-Identifier: Apache-2.0
# The distributed runners (MPI, torchrun, smddprun, PT-XLA): part of sm-train,
# and the gethostname shim that mpirun preloads into every rank.
find_package(spdlog REQUIRED)

# Everything but the adapter to the launcher's Runner interface, so the tests
# can build them alone.
set(SMTRAIN_RUNNERS_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/commands.cpp
  ${CMAKE_CURRENT_LIST_DIR}/distributed.cpp
  ${CMAKE_CURRENT_LIST_DIR}/instance_types.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mpi_cluster.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mpi_options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mpi_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix_system.cpp)
list(APPEND SMTRAIN_LAUNCHER_SOURCES ${SMTRAIN_RUNNERS_CORE_SOURCES})
if(EXISTS ${PROJECT_SOURCE_DIR}/src/launcher/runner.hpp)
  list(APPEND SMTRAIN_LAUNCHER_SOURCES ${CMAKE_CURRENT_LIST_DIR}/launcher_adapter.cpp)
endif()
list(APPEND SMTRAIN_LAUNCHER_LIBS spdlog::spdlog_header_only fmt::fmt-header-only)

include(${CMAKE_CURRENT_LIST_DIR}/gethostname_shim.cmake)
