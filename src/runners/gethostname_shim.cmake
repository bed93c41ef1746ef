# SPDX-License-Identifier: Apache-2.0
# libsmtrain-gethostname.so, built next to sm-train (and installed beside it),
# where the MPI runner looks for it.
if(NOT TARGET smtrain-gethostname)
  add_library(smtrain-gethostname SHARED ${CMAKE_CURRENT_LIST_DIR}/gethostname_shim.c)
  # It is preloaded into programs that are not built with sanitizers: an
  # instrumented copy would refuse to load there, so the global flags are dropped.
  set_property(TARGET smtrain-gethostname PROPERTY COMPILE_OPTIONS "")
  set_property(TARGET smtrain-gethostname PROPERTY LINK_OPTIONS "")
  target_compile_options(smtrain-gethostname PRIVATE -Wall -Wextra -O2
    $<$<BOOL:${SMTRAIN_WARNINGS_AS_ERRORS}>:-Werror>)
  target_link_options(smtrain-gethostname PRIVATE -Wl,-z,defs)
  set_target_properties(smtrain-gethostname PROPERTIES
    OUTPUT_NAME smtrain-gethostname
    C_VISIBILITY_PRESET default
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/src/launcher)
  if(SMTRAIN_INSTALL)
    include(GNUInstallDirs)
    install(TARGETS smtrain-gethostname LIBRARY DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endif()
