# SPDX-License-Identifier: Apache-2.0
# sm-train tests (label: launcher): unit tests of the launcher's pieces, one
# file per feature, and the built sm-train run end to end on fake trees with
# small helper programs as the user program (process_test.cpp), again as PID 1
# of a PID namespace of its own (`pid1.`).
if(TARGET smtrain_launcher AND TARGET sm-train)
  add_executable(smtrain_test_print_signals ${CMAKE_CURRENT_LIST_DIR}/helpers/print_signals.cpp)
  add_executable(smtrain_test_make_orphans ${CMAKE_CURRENT_LIST_DIR}/helpers/make_orphans.cpp)
  set(_sm_train SMTRAIN_SM_TRAIN="$<TARGET_FILE:sm-train>")

  smtrain_add_gtest(launcher_unit_test
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/code_dir_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/entry_point_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/env_format_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/invocation_log_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/job_phase_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/own_failure_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/parity_regression_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/python_strip_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/report_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/settings_test.cpp
    LIBS smtrain_launcher
    LABELS launcher)
  # The report's capture of the program's stderr (the toolkit's ErrorMessage),
  # fed by hand in every chunking and by the supervisor through pipes.
  smtrain_add_gtest(launcher_stderr_capture_test
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/capture_scan_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/stderr_capture_test.cpp
    LIBS smtrain_launcher
    LABELS launcher)
  # Root cause and failure class (issue 21): the parsers on launchers' own words, the cgroup count.
  smtrain_add_gtest(launcher_root_cause_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/root_cause_test.cpp
    LIBS smtrain_launcher
    LABELS launcher)

  # Each rank's own evidence (issue 21): MPI's tagged lines, stacks by the order asked,
  # and the stacks a hang asked for as its reason and the diagnostics file count them.
  smtrain_add_gtest(launcher_rank_evidence_test
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/rank_evidence_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/diagnostics_test.cpp
    LIBS smtrain_launcher
    LABELS launcher)

  # The failure exchange between hosts and the hang notices (issue 21), over loopback.
  smtrain_add_gtest(launcher_failure_exchange_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/failure_exchange_test.cpp
    LIBS smtrain_launcher
    LABELS launcher)
  smtrain_add_gtest(launcher_process_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/process_test.cpp
    LIBS smtrain_launcher
    DEPENDS sm-train smtrain_test_print_signals
    DEFINES ${_sm_train}
      SMTRAIN_PRINT_SIGNALS="$<TARGET_FILE:smtrain_test_print_signals>"
      SMTRAIN_S3_SERVER="${CMAKE_CURRENT_LIST_DIR}/helpers/s3_server.py"
    LABELS launcher
    PID1 EACH)
  # Jobs as the SageMaker SDK writes them (issue 12), with fake launchers.
  smtrain_add_gtest(launcher_sdk_parity_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/sdk_parity_test.cpp
    LIBS smtrain_launcher DEPENDS sm-train DEFINES ${_sm_train}
    LABELS launcher)
  # Jobs of the SageMaker SDK v3, ModelTrainer (issue 20): command mode, the tuner, local mode.
  smtrain_add_gtest(launcher_sdk_v3_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/sdk_v3_test.cpp
    LIBS smtrain_launcher DEPENDS sm-train DEFINES ${_sm_train}
    LABELS launcher)
  # The same PID-1 test under Debian bullseye's bash 5.1 (fetched with a private apt
  # configuration, 10-20 s, or SMTRAIN_TEST_BASH_5_1); skipped (77) without it.
  add_test(NAME launcher_sdk_v3_bash51
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/sdk_v3_bash51.sh $<TARGET_FILE:launcher_sdk_v3_test> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(launcher_sdk_v3_bash51 PROPERTIES LABELS launcher TIMEOUT 90 SKIP_RETURN_CODE 77)
  if(CMAKE_CROSSCOMPILING)  # as V3Job.CommandModeAfterTheSdkScriptMakesSmTrainPid1 (tests/no_qemu.cmake)
    set_property(TEST launcher_sdk_v3_bash51 APPEND PROPERTY LABELS no-qemu)
  endif()
  # examples/sdk_v3: the three v3 paths run locally by sm-train, as its README shows.
  add_test(NAME example_sdk_v3 COMMAND env SM_TRAIN=$<TARGET_FILE:sm-train>
           ${PROJECT_SOURCE_DIR}/examples/sdk_v3/run_locally.sh)
  set_tests_properties(example_sdk_v3 PROPERTIES LABELS launcher TIMEOUT 300)

  # sm-train with sagemaker_s3_output, end to end against moto, and with
  # CA_REPOSITORY_ARN against the CodeArtifact test server. Uses the s3 area's
  # moto fixture (s3_moto, tests/s3/tests.cmake), whose state file sits in this
  # same binary directory.
  smtrain_add_gtest(launcher_intermediate_sync_test
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/intermediate_sync_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/codeartifact_run_test.cpp
      ${PROJECT_SOURCE_DIR}/tests/s3/servers.cpp
    LIBS nlohmann_json::nlohmann_json
    DEPENDS sm-train
    DEFINES ${_sm_train} SMTRAIN_S3_OBJECTS="${CMAKE_CURRENT_LIST_DIR}/helpers/s3_objects.py"
    LABELS launcher s3
    FIXTURES s3_moto
    TIMEOUT 300
    ENVIRONMENT SMTRAIN_TEST_MOTO_STATE=${CMAKE_CURRENT_BINARY_DIR}/s3-moto.state)

  # The end-of-job timeline (issue 15): the recorder, and sm-train's block.
  smtrain_add_gtest(launcher_timeline_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/timeline_test.cpp
    LIBS smtrain_launcher DEPENDS sm-train DEFINES ${_sm_train}
    LABELS launcher)
  # Checkpoints, interruptions and the deadline warning (issue 22).
  smtrain_add_gtest(launcher_deadline_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/deadline_warning_test.cpp
    LIBS smtrain_launcher
    LABELS launcher checkpoints)
endif()

# Includes name their layer and no layer includes a higher one
# (docs/architecture.md): the rules on the tree, the rules finding each planted
# violation, and the compiler refusing a header of a layer a target does not link.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME layering COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/layering_test.py ${PROJECT_SOURCE_DIR})
  add_test(NAME layering.self_test COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/layering_test.py --self-test)
  add_test(NAME layering.compiler
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/layering_test.py --compiler ${PROJECT_BINARY_DIR})
  set_tests_properties(layering layering.self_test layering.compiler PROPERTIES LABELS "launcher;layering")
  set_tests_properties(layering.compiler PROPERTIES SKIP_RETURN_CODE 77)
  # Every SMTRAIN_* variable read by Settings alone, and listed once in docs/launcher.md.
  add_test(NAME settings_variables
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/settings_variables_test.py ${PROJECT_SOURCE_DIR})
  set_tests_properties(settings_variables PROPERTIES LABELS launcher)
endif()

# SMTRAIN_ARGS (issue 24): each style fed to a real parser by a real run of
# sm-train (OmegaConf's from_cli for hydra, argparse store_true for flags, a
# template), a module entry point, the dry run and `sm-train env`, bad input.
if(TARGET sm-train AND Python3_Interpreter_FOUND)
  add_test(NAME launcher_argument_styles
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/argument_styles_test.py $<TARGET_FILE:sm-train>)
  set_tests_properties(launcher_argument_styles PROPERTIES LABELS launcher TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()

# Checkpoints, interruptions and the deadline warning (issue 22), with real
# programs: Python, the C++ example, real torchrun and mpirun (docs/checkpoints.md).
if(TARGET sm-train AND SMTRAIN_BUILD_EXAMPLES)  # the example is defined after tests/
  add_test(NAME launcher_interrupt_resume
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/checkpoints/interrupt_resume.sh $<TARGET_FILE:sm-train>
            $<TARGET_FILE:smtrain_example_cpp> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(launcher_interrupt_resume PROPERTIES LABELS "launcher;checkpoints" TIMEOUT 900)
endif()
if(TARGET sm-train)
  add_test(NAME launcher_deadline_warning
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/checkpoints/deadline_warning.sh $<TARGET_FILE:sm-train> ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(launcher_deadline_warning PROPERTIES LABELS "launcher;checkpoints;torchrun;mpi" TIMEOUT 300)
endif()
