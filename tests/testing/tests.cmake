# SPDX-License-Identifier: Apache-2.0
# smtrain::testing (FakeTree): every builder call shows up in the files and in load().
smtrain_add_gtest(smtrain_testing_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fake_tree_test.cpp
  LIBS smtrain::testing
  LABELS testing)

# `sm-train init`: the files against hand-written expected bytes, bad input.
if(TARGET sm-train)
  add_test(NAME testing.init COMMAND ${CMAKE_CURRENT_LIST_DIR}/init_test.sh $<TARGET_FILE:sm-train>
                                     ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(testing.init PROPERTIES LABELS testing TIMEOUT 120)
endif()

# `sm-train local`: success, failure, bad input, and --hosts 2 with torchrun in two namespaces.
if(TARGET sm-train)
  add_test(NAME testing.local COMMAND ${CMAKE_CURRENT_LIST_DIR}/local_test.sh $<TARGET_FILE:sm-train>
                                      ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(testing.local PROPERTIES LABELS "testing;torchrun" TIMEOUT 400 RUN_SERIAL TRUE)
endif()

# The pytest example of docs/testing.md, run as written.
if(TARGET sm-train)
  add_test(NAME testing.pytest_doc COMMAND ${CMAKE_CURRENT_LIST_DIR}/pytest_doc_test.sh $<TARGET_FILE:sm-train>
                                           ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(testing.pytest_doc PROPERTIES LABELS testing TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
