# SPDX-License-Identifier: Apache-2.0
# install(): headers, libsmtrain as the exported target smtrain::smtrain (and
# smtrain::testing, the FakeTree of a program's tests), the
# sm-train launcher (exported as smtrain::sm-train), the gethostname shim, and
# the find_package / pkg-config files for consumers.
#
# Components: `Development` (headers, library, CMake and pkg-config files) and
# `Runtime` (sm-train and the shim), so an image can take just the launcher:
#   cmake --install build/release --component Runtime --prefix /usr/local
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SMTRAIN_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/smtrain"
    CACHE STRING "Where smtrainConfig.cmake is installed, relative to the prefix")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/smtrain"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT Development
        FILES_MATCHING PATTERN "*.hpp")
install(FILES "${SMTRAIN_GENERATED_INCLUDE_DIR}/smtrain/version.hpp"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/smtrain"
        COMPONENT Development)

# INCLUDES DESTINATION adds the installed include dir to the exported target,
# whatever the library's own INSTALL_INTERFACE says.
install(TARGETS smtrain
        EXPORT smtrainTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT Development
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

# smtrain::testing: FakeTree for the unit tests of a training program.
install(TARGETS smtrain_testing
        EXPORT smtrainTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT Development
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

if(TARGET sm-train)
  install(TARGETS sm-train
          EXPORT smtrainTargets
          RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT Runtime)
endif()

# The LD_PRELOAD shim that makes gethostname() return the SageMaker host name
# for MPI. The MPI runner loads it by path from sm-train's own directory, so it
# goes beside sm-train, and is not exported.
if(TARGET smtrain-gethostname)
  install(TARGETS smtrain-gethostname
          LIBRARY DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT Runtime)
endif()

install(EXPORT smtrainTargets
        NAMESPACE smtrain::
        DESTINATION "${SMTRAIN_INSTALL_CMAKEDIR}"
        COMPONENT Development)

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/smtrainConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/smtrainConfig.cmake"
  INSTALL_DESTINATION "${SMTRAIN_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/smtrainConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/smtrainConfig.cmake" "${PROJECT_BINARY_DIR}/smtrainConfigVersion.cmake"
        DESTINATION "${SMTRAIN_INSTALL_CMAKEDIR}"
        COMPONENT Development)

# smtrain.pc locates the prefix from its own directory (${pcfiledir}), so the
# tree stays usable after `cmake --install --prefix <anywhere>` or a move.
set(SMTRAIN_PC_DIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${SMTRAIN_PC_DIR}")
  set(SMTRAIN_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _smtrain_up "/prefix/${SMTRAIN_PC_DIR}" "/prefix")
  string(REGEX REPLACE "/$" "" _smtrain_up "${_smtrain_up}")
  set(SMTRAIN_PC_PREFIX "\${pcfiledir}/${_smtrain_up}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(SMTRAIN_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(SMTRAIN_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file("${CMAKE_CURRENT_LIST_DIR}/smtrain.pc.in" "${PROJECT_BINARY_DIR}/smtrain.pc" @ONLY)
configure_file("${CMAKE_CURRENT_LIST_DIR}/smtrain-testing.pc.in" "${PROJECT_BINARY_DIR}/smtrain-testing.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/smtrain.pc" "${PROJECT_BINARY_DIR}/smtrain-testing.pc"
        DESTINATION "${SMTRAIN_PC_DIR}"
        COMPONENT Development)

install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" "${PROJECT_SOURCE_DIR}/README.md"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        COMPONENT Development
        OPTIONAL)
