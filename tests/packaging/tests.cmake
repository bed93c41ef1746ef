# SPDX-License-Identifier: Apache-2.0
# Packaging tests (label `packaging`): the installed package works for a
# consumer (find_package and pkg-config), sm-train is a drop-in static binary
# that runs in a root holding nothing else (S3 over TLS included), in an Amazon
# Linux layout and in a Debian 11 root, and the examples build and run.
# They are scripts, because what they check is the built artifacts from outside.
include(GNUInstallDirs)
set(_pkg_dir ${CMAKE_CURRENT_SOURCE_DIR}/packaging)
set(_pkg_work ${CMAKE_CURRENT_BINARY_DIR}/packaging)
set(_pkg_prefix ${_pkg_work}/prefix)
# A library built with sanitizers needs them at link time in every consumer too.
set(_pkg_flags "")
if(SMTRAIN_SANITIZE)
  set(_pkg_flags "-fsanitize=address,undefined")
endif()
set(_pkg_env "CXX=${CMAKE_CXX_COMPILER}" "SMTRAIN_CONSUMER_FLAGS=${_pkg_flags}")

function(smtrain_packaging_test name)
  add_test(NAME packaging.${name} COMMAND bash ${ARGN})
  set_tests_properties(packaging.${name} PROPERTIES
    LABELS packaging
    SKIP_RETURN_CODE 77
    TIMEOUT 300
    ENVIRONMENT "${_pkg_env}")
endfunction()

if(SMTRAIN_INSTALL)
  set(_pkg_launcher OFF)
  if(TARGET sm-train)
    set(_pkg_launcher ON)
  endif()
  set(_pkg_shim OFF)
  if(TARGET smtrain-gethostname)
    set(_pkg_shim ON)
  endif()
  smtrain_packaging_test(install ${_pkg_dir}/install_test.sh
    ${PROJECT_BINARY_DIR} ${_pkg_prefix} ${CMAKE_INSTALL_LIBDIR} ${CMAKE_INSTALL_INCLUDEDIR}
    ${CMAKE_INSTALL_BINDIR} ${_pkg_launcher} ${_pkg_shim})
  set_tests_properties(packaging.install PROPERTIES FIXTURES_SETUP smtrain_installed)

  smtrain_packaging_test(find_package ${_pkg_dir}/consumer_test.sh
    cmake ${PROJECT_SOURCE_DIR} ${_pkg_prefix} ${_pkg_work}/find_package)
  smtrain_packaging_test(pkg_config ${_pkg_dir}/consumer_test.sh
    pkg-config ${PROJECT_SOURCE_DIR} ${_pkg_prefix} ${_pkg_work}/pkg_config)
  smtrain_packaging_test(example_cpp_standalone ${_pkg_dir}/example_test.sh
    cpp-standalone ${PROJECT_SOURCE_DIR} ${_pkg_work}/example_cpp_standalone ${_pkg_prefix})
  set_tests_properties(packaging.find_package packaging.pkg_config packaging.example_cpp_standalone
    PROPERTIES FIXTURES_REQUIRED smtrain_installed)
endif()

smtrain_packaging_test(subproject ${_pkg_dir}/consumer_test.sh
  subproject ${PROJECT_SOURCE_DIR} - ${_pkg_work}/subproject)

if(TARGET sm-train)
  set(_pkg_sm_train_env "SM_TRAIN=$<TARGET_FILE:sm-train>")
  smtrain_packaging_test(example_shell ${_pkg_dir}/example_test.sh
    shell ${PROJECT_SOURCE_DIR} ${_pkg_work}/example_shell)
  set_property(TEST packaging.example_shell APPEND PROPERTY ENVIRONMENT "${_pkg_sm_train_env}")

  # The examples directory is added after tests/, so its target is named, not tested for.
  if(SMTRAIN_BUILD_EXAMPLES)
    foreach(mode cpp cpp-bad-hp)
      smtrain_packaging_test(example_${mode} ${_pkg_dir}/example_test.sh
        ${mode} ${PROJECT_SOURCE_DIR} ${_pkg_work}/example_${mode} $<TARGET_FILE:smtrain_example_cpp>)
      set_property(TEST packaging.example_${mode} APPEND PROPERTY ENVIRONMENT "${_pkg_sm_train_env}")
    endforeach()
  endif()

  # Static linking and sanitizers exclude each other: these two check the shipped build.
  if(SMTRAIN_STATIC_LAUNCHER AND NOT SMTRAIN_SANITIZE)
    # The target's architecture (CMAKE_SYSTEM_PROCESSOR: x86_64, or aarch64 in a
    # cross build) is checked in the ELF header of sm-train and of the shim.
    set(_pkg_shim_file "")
    if(TARGET smtrain-gethostname)
      set(_pkg_shim_file $<TARGET_FILE:smtrain-gethostname>)
    endif()
    smtrain_packaging_test(static_launcher ${_pkg_dir}/static_launcher_test.sh $<TARGET_FILE:sm-train>
      ${CMAKE_SYSTEM_PROCESSOR} ${_pkg_shim_file})
    # Without busybox the test is still added, and fails saying what to install.
    find_program(SMTRAIN_BUSYBOX busybox PATHS /bin /usr/bin)
    smtrain_packaging_test(minimal_root ${_pkg_dir}/minimal_root_test.sh
      $<TARGET_FILE:sm-train> ${SMTRAIN_BUSYBOX} ${PROJECT_SOURCE_DIR} ${_pkg_work}/minimal_root)
    # The fully static sm-train in roots without a C library (S3 over TLS on
    # loopback), in an Amazon Linux layout, and in a Debian 11 root (glibc 2.31).
    foreach(layout bare amazon)
      smtrain_packaging_test(static_root_${layout} ${_pkg_dir}/static_root_test.sh
        ${layout} $<TARGET_FILE:sm-train> ${PROJECT_SOURCE_DIR} ${_pkg_work}/static_root_${layout})
    endforeach()
    smtrain_packaging_test(debian11_root ${_pkg_dir}/debian11_root_test.sh
      $<TARGET_FILE:sm-train> ${PROJECT_SOURCE_DIR} ${_pkg_work}/debian11_root)
    # mmdebstrap makes the root on the first run (then it is cached).
    set_tests_properties(packaging.debian11_root PROPERTIES TIMEOUT 600)
    # The tests of the static binary in roots of its own, which the arm64 stage
    # runs too (CMakePresets.json, test preset arm64). Not debian11_root: its
    # root is an x86-64 Debian 11 made by mmdebstrap (minutes), which adds
    # nothing arm64-specific that static_root_bare does not show.
    set_property(TEST packaging.static_launcher packaging.minimal_root packaging.static_root_bare
      packaging.static_root_amazon APPEND PROPERTY LABELS static-root)
  endif()
endif()
