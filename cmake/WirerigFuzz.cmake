# wirerig_add_fuzz_target(NAME SOURCES src...
#                         [LIBS lib...] [DEFINITIONS def...]
#                         [CORPUS dir] [DICT file] [OPTIONS file])
#
# One fuzz target (a file defining LLVMFuzzerTestOneInput), built two ways:
#
#   NAME_replay  with any compiler: runs the target once on each file of the
#                corpus (or on files named on its command line). With CORPUS
#                and testing enabled it is the ctest `fuzz_replay_NAME`, so
#                every corpus file -- every past finding -- is a regression
#                test under gcc too.
#   NAME         the libFuzzer binary, when a fuzzing engine is available:
#                WIRERIG_FUZZ_ENGINE, which defaults to the environment's
#                LIB_FUZZING_ENGINE (what OSS-Fuzz and ClusterFuzzLite set),
#                else to -fsanitize=fuzzer when the compiler is clang and
#                can link it. Sanitizers are never added here: they come
#                from the caller's flags (CFLAGS / CMAKE_C_FLAGS), as the
#                OSS-Fuzz conventions require. Without fuzzer-no-link in
#                those flags the target's own SOURCES get coverage
#                instrumentation, so a plain local build still fuzzes with
#                feedback.
#
# Set WIRERIG_FUZZ_BUILD_FUZZERS to OFF to build only the replay binaries.
#
# The binaries, dictionary, options file and corpus of each libFuzzer target
# are listed in ${CMAKE_BINARY_DIR}/wirerig-fuzz-targets.tsv (name, binary,
# dict, corpus, options; "-" where there is none), which scripts and
# build.sh read.
include_guard(GLOBAL)
include(CheckCSourceCompiles)

if(NOT DEFINED WIRERIG_FUZZ_REPLAY_MAIN)
  set(WIRERIG_FUZZ_REPLAY_MAIN ${CMAKE_CURRENT_LIST_DIR}/wirerig_fuzz_replay.c)
endif()
set(WIRERIG_FUZZ_ENGINE "$ENV{LIB_FUZZING_ENGINE}" CACHE STRING
  "How to link libFuzzer targets (OSS-Fuzz's LIB_FUZZING_ENGINE); empty: -fsanitize=fuzzer under clang")

# Sets out_var to the engine's link flags, or "" when none can be used.
function(wirerig_fuzz_engine out_var)
  if(WIRERIG_FUZZ_ENGINE)
    set(${out_var} "${WIRERIG_FUZZ_ENGINE}" PARENT_SCOPE)
    return()
  endif()
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(${out_var} "" PARENT_SCOPE)
    return()
  endif()
  if(NOT DEFINED WIRERIG_HAVE_LIBFUZZER)
    set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
    set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
    check_c_source_compiles("
      #include <stddef.h>
      #include <stdint.h>
      int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
      WIRERIG_HAVE_LIBFUZZER)
  endif()
  if(WIRERIG_HAVE_LIBFUZZER)
    set(${out_var} "-fsanitize=fuzzer" PARENT_SCOPE)
  else()
    set(${out_var} "" PARENT_SCOPE)
  endif()
endfunction()

function(wirerig_add_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS;DICT;OPTIONS"
    "SOURCES;LIBS;DEFINITIONS" ${ARGN})
  if(F_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "wirerig_add_fuzz_target(${name}): unknown arguments "
      "'${F_UNPARSED_ARGUMENTS}'; expected SOURCES, LIBS, DEFINITIONS, "
      "CORPUS, DICT, OPTIONS")
  endif()
  if(NOT F_SOURCES)
    message(FATAL_ERROR "wirerig_add_fuzz_target(${name}): SOURCES is "
      "required (the file that defines LLVMFuzzerTestOneInput)")
  endif()
  foreach(kind CORPUS DICT OPTIONS)
    if(F_${kind})
      get_filename_component(F_${kind} "${F_${kind}}" ABSOLUTE)
      if(NOT EXISTS "${F_${kind}}")
        message(FATAL_ERROR "wirerig_add_fuzz_target(${name}): ${kind} "
          "'${F_${kind}}' does not exist")
      endif()
    endif()
  endforeach()

  add_executable(${name}_replay ${F_SOURCES} ${WIRERIG_FUZZ_REPLAY_MAIN})
  target_compile_definitions(${name}_replay PRIVATE ${F_DEFINITIONS})
  target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
  if(F_CORPUS) # add_test does nothing where testing is not enabled
    add_test(NAME fuzz_replay_${name} COMMAND ${name}_replay ${F_CORPUS})
    set_tests_properties(fuzz_replay_${name} PROPERTIES TIMEOUT 300
      LABELS fuzz)
  endif()
  set_property(GLOBAL APPEND PROPERTY WIRERIG_FUZZ_REPLAYS ${name}_replay)

  if(DEFINED WIRERIG_FUZZ_BUILD_FUZZERS AND NOT WIRERIG_FUZZ_BUILD_FUZZERS)
    return()
  endif()
  wirerig_fuzz_engine(engine)
  if(NOT engine)
    return()
  endif()
  add_executable(${name} ${F_SOURCES})
  target_compile_definitions(${name} PRIVATE ${F_DEFINITIONS})
  if(NOT "${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${CMAKE_BUILD_TYPE}}" MATCHES
     "fuzzer-no-link" AND engine STREQUAL "-fsanitize=fuzzer")
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
  separate_arguments(engine_args UNIX_COMMAND "${engine}")
  target_link_libraries(${name} PRIVATE ${F_LIBS} ${engine_args})
  set_property(GLOBAL APPEND PROPERTY WIRERIG_FUZZ_TARGETS ${name})
  # "-" stands for a missing file: a shell's `read` would merge two tabs.
  foreach(kind DICT CORPUS OPTIONS)
    if(NOT F_${kind})
      set(F_${kind} -)
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY WIRERIG_FUZZ_TSV
    "${name}\t$<TARGET_FILE:${name}>\t${F_DICT}\t${F_CORPUS}\t${F_OPTIONS}")
  # The list is written once, when the whole project has been read.
  get_property(deferred GLOBAL PROPERTY WIRERIG_FUZZ_TSV_DEFERRED)
  if(NOT deferred)
    set_property(GLOBAL PROPERTY WIRERIG_FUZZ_TSV_DEFERRED 1)
    cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR}
      CALL _wirerig_fuzz_write_list)
  endif()
endfunction()

function(_wirerig_fuzz_write_list)
  get_property(rows GLOBAL PROPERTY WIRERIG_FUZZ_TSV)
  list(JOIN rows "\n" text)
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/wirerig-fuzz-targets.tsv
    CONTENT "${text}\n")
endfunction()
