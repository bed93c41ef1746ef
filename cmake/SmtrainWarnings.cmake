# Warnings and sanitizers live in an unexported INTERFACE target, so consumers
# of the installed package never inherit our flags.
add_library(smtrain_warnings INTERFACE)
target_compile_options(smtrain_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference -Wimplicit-fallthrough>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra>)
if(SMTRAIN_WARNINGS_AS_ERRORS)
  target_compile_options(smtrain_warnings INTERFACE -Werror)
endif()
if(SMTRAIN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# ThreadSanitizer, for the threaded parts (S3 intermediate sync, machine probes):
# scripts/tsan.sh builds and runs them. Exclusive with SMTRAIN_SANITIZE.
option(SMTRAIN_SANITIZE_THREAD "Build with ThreadSanitizer" OFF)
if(SMTRAIN_SANITIZE_THREAD)
  if(SMTRAIN_SANITIZE)
    message(FATAL_ERROR "SMTRAIN_SANITIZE_THREAD and SMTRAIN_SANITIZE cannot be combined")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
