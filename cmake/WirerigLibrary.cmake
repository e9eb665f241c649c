# wr_add_library(NAME SOURCES src...
#                [PUBLIC lib...] [PRIVATE lib...] [SUMMARY "one line"])
#
# One wirerig library: target wirerig_NAME, alias wirerig::NAME, built from
# the sources of the folder that calls it, with the project's headers
# public and base/ private. PUBLIC lists the wirerig libraries (or imported
# targets) this one's headers need; PRIVATE the ones only its sources use.
# Every library is made the same way here, so that layering, install rules
# and flags cannot differ from one folder to the next.
function(wr_add_library name)
  cmake_parse_arguments(ARG "" "SUMMARY" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target wirerig_${name})
  add_library(${target} ${ARG_SOURCES})
  add_library(wirerig::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME wirerig_${name}
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # base/ (private helpers) is reached as "base/x.h" from the source root.
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target}
    PUBLIC ${ARG_PUBLIC}
    PRIVATE ${ARG_PRIVATE} $<BUILD_INTERFACE:wirerig_flags>)
  set_property(GLOBAL APPEND PROPERTY WIRERIG_LIBRARIES ${name})
  set_property(GLOBAL PROPERTY WIRERIG_SUMMARY_${name} "${ARG_SUMMARY}")
endfunction()

# Writes FILE with one line per wirerig library: its name and the wirerig
# libraries it links directly (for tests/layering/run.sh).
function(wr_write_link_table file)
  get_property(libs GLOBAL PROPERTY WIRERIG_LIBRARIES)
  set(text "")
  foreach(lib IN LISTS libs)
    get_target_property(deps wirerig_${lib} LINK_LIBRARIES)
    set(line "${lib}")
    foreach(d IN LISTS deps)
      if(d MATCHES "^wirerig::([a-z_]+)$")
        string(APPEND line " ${CMAKE_MATCH_1}")
      endif()
    endforeach()
    string(APPEND text "${line}\n")
  endforeach()
  file(WRITE ${file} "${text}")
endfunction()
