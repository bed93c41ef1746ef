# SPDX-License-Identifier: Apache-2.0
# smtrain::testing (FakeTree): every builder call shows up in the files and in load().
smtrain_add_gtest(smtrain_testing_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fake_tree_test.cpp
  LIBS smtrain::testing
  LABELS testing)
