# SPDX-License-Identifier: Apache-2.0
# The distributed runners. Without the launcher in the build, their sources are
# built into a library of their own so these tests still run.
if(TARGET smtrain_launcher)
  set(SMTRAIN_RUNNERS_TEST_LIB smtrain_launcher)
else()
  set(SMTRAIN_LAUNCHER_SOURCES)
  set(SMTRAIN_LAUNCHER_LIBS)
  include(${PROJECT_SOURCE_DIR}/src/runners/sources.cmake)
  add_library(smtrain_runners_standalone STATIC ${SMTRAIN_RUNNERS_CORE_SOURCES})
  target_include_directories(smtrain_runners_standalone PUBLIC ${PROJECT_SOURCE_DIR}/src/runners)
  find_package(spdlog REQUIRED)
  target_link_libraries(smtrain_runners_standalone PUBLIC smtrain::smtrain spdlog::spdlog_header_only
    PRIVATE smtrain_warnings)
  set(SMTRAIN_RUNNERS_TEST_LIB smtrain_runners_standalone)
endif()

smtrain_add_gtest(smtrain_runners_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/mpi_options_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/commands_test.cpp
  LIBS ${SMTRAIN_RUNNERS_TEST_LIB}
  LABELS runners)
target_include_directories(smtrain_runners_tests PRIVATE ${PROJECT_SOURCE_DIR}/src/runners)
target_sources(smtrain_runners_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/mpi_cluster_test.cpp)

# A real MPI job: two hosts as two network namespaces (one host where namespaces
# are not allowed), each running sm-train. Needs root, Open MPI and sshd.
find_package(MPI COMPONENTS C QUIET)
if(TARGET sm-train AND MPI_C_FOUND AND SMTRAIN_BUILD_EXAMPLES)
  add_test(NAME runners_mpi_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/mpi_two_hosts.sh $<TARGET_FILE:sm-train>
            $<TARGET_FILE:smtrain-mpi-allreduce> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_mpi_two_hosts PROPERTIES LABELS "runners;mpi" TIMEOUT 180 RUN_SERIAL TRUE)
endif()
