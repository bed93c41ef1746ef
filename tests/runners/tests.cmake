# SPDX-License-Identifier: Apache-2.0
# The distributed runners: the smtrain_runners layer on its own.
if(TARGET smtrain_runners)
smtrain_add_gtest(smtrain_runners_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/mpi_options_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/commands_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/framework_env_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/host_launch_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/mpi_cluster_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tensorflow_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sdk_v3_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/instance_types_test.cpp
  LIBS smtrain_runners
  LABELS runners)
endif()

# The tests below start real clusters (mpirun, torchrun, several sm-train
# hosts, sshd) whose timings (rendezvous, daemon deaths, grace periods) assume
# no other cluster competes with them. The MPI, TensorFlow and plain-process
# ones share the lock real_cluster, so one of them runs at a time while lighter
# tests use the other core (RUN_SERIAL left that core idle for their whole
# run). The torchrun ones stay RUN_SERIAL (here, in tests/reliability and
# tests/testing): each starts three or more Python processes that import torch,
# several seconds of CPU each, and some run a 10 s hang deadline that a loaded
# machine's imports alone can exceed.
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
  set_tests_properties(runners_mpi_two_hosts PROPERTIES LABELS "runners;mpi" TIMEOUT 180 RESOURCE_LOCK real_cluster)
  # The same hosts, the master's sshd dying at start (issue 21, item 5).
  add_test(NAME runners_mpi_sshd_dies_at_start
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/mpi_two_hosts.sh $<TARGET_FILE:sm-train>
            $<TARGET_FILE:smtrain-mpi-allreduce> ${CMAKE_CURRENT_BINARY_DIR} sshd-dies-on-master)
  set_tests_properties(runners_mpi_sshd_dies_at_start PROPERTIES
    LABELS "runners;mpi" TIMEOUT 180 RESOURCE_LOCK real_cluster SKIP_RETURN_CODE 77)
  # The same hosts, a rank breaking its host's sshd once mpirun has started it:
  # the worker's, then the master's.
  foreach(broken algo-2 algo-1)
    add_test(NAME runners_mpi_sshd_dies_on_${broken}_while_running
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/mpi_two_hosts.sh $<TARGET_FILE:sm-train>
              $<TARGET_FILE:smtrain-mpi-allreduce> ${CMAKE_CURRENT_BINARY_DIR}
              sshd-dies-on-${broken}-while-running)
    set_tests_properties(runners_mpi_sshd_dies_on_${broken}_while_running PROPERTIES
      LABELS "runners;mpi" TIMEOUT 180 RESOURCE_LOCK real_cluster SKIP_RETURN_CODE 77)
  endforeach()
endif()

# A parameter-server job whose parameter server (a stub TensorFlow on PYTHONPATH)
# dies at the start and while the program runs (issue 21, item 5): the first host of
# two, run alone; no root, no network namespace.
if(TARGET sm-train)
  add_test(NAME runners_tf_parameter_server_dies
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/tf_parameter_server_dies.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_tf_parameter_server_dies PROPERTIES LABELS "runners" TIMEOUT 300)
  # The same on two hosts through `sm-train local --hosts 2`: the other host is told.
  add_test(NAME runners_tf_parameter_server_dies_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/tf_parameter_server_dies_two_hosts.sh $<TARGET_FILE:sm-train>
            ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_tf_parameter_server_dies_two_hosts PROPERTIES
    LABELS "runners" TIMEOUT 400 RESOURCE_LOCK real_cluster SKIP_RETURN_CODE 77)
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

# A module entry point (`-m trainer.main`, `trainer.main:`) under a real
# torchrun, one host on CPU; skipped (77) without torchrun.
if(TARGET sm-train)
  add_test(NAME runners_torchrun_module
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/torchrun_module.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_torchrun_module PROPERTIES
    LABELS "runners;torchrun" TIMEOUT 300 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
endif()

# A module entry point (`-m pkg.rank`) under a real mpirun: two ranks on host
# algo-1 in a network namespace. Skipped (77) without mpirun, mpi4py or
# namespaces; not in sanitizer builds, as runners_mpi_two_hosts.
if(TARGET sm-train AND NOT SMTRAIN_SANITIZE)
  add_test(NAME runners_mpi_module
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/mpi_module.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_mpi_module PROPERTIES
    LABELS "runners;mpi" TIMEOUT 180 RESOURCE_LOCK real_cluster SKIP_RETURN_CODE 77)
endif()

# Root cause first (issue 21): real torchrun and Open MPI jobs on one host whose
# rank 1 fails first; output/failure's message must name it and its error.
if(TARGET sm-train AND NOT SMTRAIN_SANITIZE)
  add_test(NAME runners_root_cause_real
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/root_cause_real.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_root_cause_real PROPERTIES
    LABELS "runners;torchrun;mpi" TIMEOUT 600 RUN_SERIAL TRUE)
endif()

# Each rank's own evidence (issue 21): real Open MPI and torchrun on one host; each
# rank's last lines, exit and stacks in the diagnostics file, who printed last in a hang.
if(TARGET sm-train AND NOT SMTRAIN_SANITIZE)
  add_test(NAME runners_rank_evidence_real
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/rank_evidence_real.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_rank_evidence_real PROPERTIES
    LABELS "runners;torchrun;mpi" TIMEOUT 600 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
endif()

# The first failure named on every host (issue 21): two torchrun hosts, rank 1 raises.
if(TARGET sm-train)
  add_test(NAME runners_torchrun_first_failure_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/torchrun_first_failure_two_hosts.sh $<TARGET_FILE:sm-train>
            ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_torchrun_first_failure_two_hosts PROPERTIES
    LABELS "runners;torchrun" TIMEOUT 300 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
endif()

# The plain process runner on two hosts takes part in the failure exchange (issue 21):
# `sm-train local --hosts 2`, algo-2's program fails first, algo-1's a second later.
if(TARGET sm-train AND NOT SMTRAIN_SANITIZE)
  add_test(NAME runners_process_first_failure_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/process_first_failure_two_hosts.sh $<TARGET_FILE:sm-train>
            ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_process_first_failure_two_hosts PROPERTIES
    LABELS "runners" TIMEOUT 180 RESOURCE_LOCK real_cluster SKIP_RETURN_CODE 77)
endif()

# A hang on one host named on both (issue 21): `sm-train local --hosts 2`, torchrun,
# the watchdog on; rank 1 on algo-2 sleeps forever.
if(TARGET sm-train AND NOT SMTRAIN_SANITIZE)
  add_test(NAME runners_torchrun_hang_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/torchrun_hang_two_hosts.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_torchrun_hang_two_hosts PROPERTIES
    LABELS "runners;torchrun" TIMEOUT 300 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
endif()

# A two-host MPI job of the SageMaker SDK v3 in command mode (issue 20): the worker
# host's sshd, waits and exit, and what each rank sees, with real sshd and mpirun in
# network namespaces. Skipped (77) without them; not in sanitizer builds, as
# runners_mpi_two_hosts (the gethostname shim in LD_PRELOAD).
if(TARGET sm-train AND NOT SMTRAIN_SANITIZE)
  add_test(NAME runners_sdk_v3_mpi_two_hosts
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/sdk_v3_mpi_two_hosts.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runners_sdk_v3_mpi_two_hosts PROPERTIES
    LABELS "runners;mpi" TIMEOUT 120 RESOURCE_LOCK real_cluster SKIP_RETURN_CODE 77)
endif()

# Issue 21's second run as a user would: `sm-train local --hosts 2 --distribution mpi
# --processes-per-host 2` with the machine's /etc/ssh and root's ~/.ssh (temp dirs in a
# private mount namespace) and no /run/sshd: a successful run (twice), a raise, an
# exit 3, a hang the watchdog ends, and one host without --hosts. Skipped (77)
# without root, namespaces, sshd, mpirun or mpi4py.
if(TARGET sm-train AND NOT SMTRAIN_SANITIZE)
  foreach(case ok raise exit3 hang one_host)
    add_test(NAME runners_mpi_local_two_hosts_${case}
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/mpi_local_two_hosts.sh $<TARGET_FILE:sm-train>
              ${CMAKE_CURRENT_BINARY_DIR} ${case})
    set_tests_properties(runners_mpi_local_two_hosts_${case} PROPERTIES
      LABELS "runners;mpi" TIMEOUT 240 RESOURCE_LOCK real_cluster SKIP_RETURN_CODE 77)
  endforeach()
endif()
