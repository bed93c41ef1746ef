# sm-train's own sources (the s3 and runners areas append theirs).
list(APPEND SMTRAIN_LAUNCHER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/signals.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stop.cpp
  ${CMAKE_CURRENT_LIST_DIR}/output_sink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spawn.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stderr_capture.cpp
  ${CMAKE_CURRENT_LIST_DIR}/supervisor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/entry_point.cpp
  ${CMAKE_CURRENT_LIST_DIR}/framework_module.cpp
  ${CMAKE_CURRENT_LIST_DIR}/runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/code_dir.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dns_wait.cpp
  ${CMAKE_CURRENT_LIST_DIR}/program_env.cpp
  ${CMAKE_CURRENT_LIST_DIR}/framework_env.cpp
  ${CMAKE_CURRENT_LIST_DIR}/env_limits.cpp
  ${CMAKE_CURRENT_LIST_DIR}/invocation_log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/logging.cpp
  ${CMAKE_CURRENT_LIST_DIR}/env_format.cpp
  ${CMAKE_CURRENT_LIST_DIR}/intermediate_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli.cpp)
# The development loop: `sm-train init` and `sm-train local` (docs/testing.md).
list(APPEND SMTRAIN_LAUNCHER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/tree_flags.cpp
  ${CMAKE_CURRENT_LIST_DIR}/init_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/local_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/local_hosts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dev_commands.cpp)
