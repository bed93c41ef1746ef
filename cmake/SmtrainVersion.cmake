# SPDX-License-Identifier: Apache-2.0
# <smtrain/version.hpp>: the project version as macros and constants, generated
# into the build tree's include/ (a public include dir of smtrain) and
# installed beside the other public headers (cmake/SmtrainInstall.cmake).
set(SMTRAIN_GENERATED_INCLUDE_DIR "${PROJECT_BINARY_DIR}/include")
configure_file("${CMAKE_CURRENT_LIST_DIR}/version.hpp.in" "${SMTRAIN_GENERATED_INCLUDE_DIR}/smtrain/version.hpp"
               @ONLY)
if(TARGET smtrain)
  target_include_directories(smtrain PUBLIC $<BUILD_INTERFACE:${SMTRAIN_GENERATED_INCLUDE_DIR}>)
endif()
