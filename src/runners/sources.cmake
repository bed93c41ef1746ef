# SPDX-License-Identifier: Apache-2.0
# The distributed runners (MPI, torchrun, smddprun, PT-XLA): part of sm-train,
# and the gethostname shim that mpirun preloads into every rank.
# Everything but the adapter to the launcher's Runner interface, so the tests
# can build them alone.
set(SMTRAIN_RUNNERS_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/commands.cpp
  ${CMAKE_CURRENT_LIST_DIR}/distributed.cpp
  ${CMAKE_CURRENT_LIST_DIR}/instance_types.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mpi_cluster.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mpi_options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mpi_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix_system.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tensorflow.cpp)
list(APPEND SMTRAIN_LAUNCHER_SOURCES ${SMTRAIN_RUNNERS_CORE_SOURCES})
# make_distributed_runner(): replaces the launcher's "not built" stub.
list(APPEND SMTRAIN_LAUNCHER_SOURCES ${CMAKE_CURRENT_LIST_DIR}/launcher_adapter.cpp)
set(SMTRAIN_HAVE_DISTRIBUTED_RUNNERS ON)

include(${CMAKE_CURRENT_LIST_DIR}/gethostname_shim.cmake)
