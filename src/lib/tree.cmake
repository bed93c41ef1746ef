# SPDX-License-Identifier: Apache-2.0
# Writing /opt/ml trees (smtrain::testing's FakeTree, `sm-train init` and `sm-train local`).
list(APPEND SMTRAIN_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/tree_writer.cpp)
