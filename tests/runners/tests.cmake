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
target_sources(smtrain_runners_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/mpi_cluster_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tensorflow_test.cpp)

# A real MPI job: two hosts as two network namespaces (one host where namespaces
# are not allowed), each running sm-train. Needs root, Open MPI and sshd.
find_package(MPI COMPONENTS C QUIET)
# Not in sanitizer builds: the ranks run with the gethostname shim in
# LD_PRELOAD, which ASan refuses to come after, and Open MPI's own leaks would
# fail LeakSanitizer. The plain build runs it; ASan covers our code elsewhere.
if(TARGET sm-train AND MPI_C_FOUND AND SMTRAIN_BUILD_EXAMPLES AND NOT SMTRAIN_SANITIZE)
  add_test(NAME runners_mpi_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/mpi_two_hosts.sh $<TARGET_FILE:sm-train>
            $<TARGET_FILE:smtrain-mpi-allreduce> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_mpi_two_hosts PROPERTIES LABELS "runners;mpi" TIMEOUT 180 RUN_SERIAL TRUE)
endif()

# A real torchrun job on CPUs (gloo): two hosts as network namespaces, each
# running sm-train with `sagemaker_torch_distributed_enabled`. Needs root and
# torchrun (Debian's python3-torch); skipped (77) without torchrun.
if(TARGET sm-train)
  add_test(NAME runners_torchrun_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/torchrun_two_hosts.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_torchrun_two_hosts PROPERTIES
    LABELS "runners;torchrun" TIMEOUT 300 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
endif()
