# Compiler flags shared by every wirerig target, through one interface target.
add_library(wirerig_flags INTERFACE)
target_compile_options(wirerig_flags INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-unused-parameter)
# POSIX and Linux interfaces (epoll, memrchr, fmemopen) under strict C11.
target_compile_definitions(wirerig_flags INTERFACE _GNU_SOURCE)
if(WIRERIG_WERROR)
  target_compile_options(wirerig_flags INTERFACE -Werror)
endif()
if(WIRERIG_SANITIZE)
  target_compile_options(wirerig_flags INTERFACE
    -fsanitize=${WIRERIG_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(wirerig_flags INTERFACE -fsanitize=${WIRERIG_SANITIZE})
endif()
