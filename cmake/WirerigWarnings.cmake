# Compiler flags shared by every wirerig target, through one interface target.
# wirerig_warnings: warnings and definitions only; wirerig_flags adds the
# sanitizers. The preload library (harness/preload) uses the first alone:
# it is loaded into programs that are not instrumented.
add_library(wirerig_warnings INTERFACE)
target_compile_options(wirerig_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-unused-parameter)
# POSIX and Linux interfaces (epoll, memrchr, fmemopen) under strict C11.
target_compile_definitions(wirerig_warnings INTERFACE _GNU_SOURCE)
if(WIRERIG_WERROR)
  target_compile_options(wirerig_warnings INTERFACE -Werror)
endif()
add_library(wirerig_flags INTERFACE)
target_link_libraries(wirerig_flags INTERFACE wirerig_warnings)
if(WIRERIG_SANITIZE)
  target_compile_options(wirerig_flags INTERFACE
    -fsanitize=${WIRERIG_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(wirerig_flags INTERFACE -fsanitize=${WIRERIG_SANITIZE})
endif()
