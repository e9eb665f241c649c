# wr_add_library(NAME SOURCES src...
#                [INTERNAL] [PUBLIC lib...] [PRIVATE lib...]
#                [PKGCONFIG module...] [SUMMARY "one line"])
#
# One wirerig library: target wirerig_NAME, alias wirerig::NAME, built from
# the sources of the folder that calls it, with the project's headers
# public and base/ private. PUBLIC lists the wirerig libraries (or imported
# targets) this one's headers need; PRIVATE the ones only its sources use.
# PKGCONFIG names the pkg-config modules of its non-wirerig dependencies
# (for its .pc file; libpcap for capture). Every library is made the same
# way here, so that layering, install rules, flags and the shared-library
# exports cannot differ from one folder to the next.
#
# A library is static or shared as BUILD_SHARED_LIBS says, except an
# INTERNAL one (base): always a static archive of position-independent code,
# linked into the libraries that use it, never a package component.
#
# A shared library exports only the public API: the wr_ functions declared
# in include/wirerig/*.h (cmake/WirerigPublicApi.cmake writes the linker
# version script at configure time; editing a public header reconfigures).
include(WirerigPublicApi)

if(BUILD_SHARED_LIBS)
  file(GLOB _wr_public_headers CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/include/wirerig/*.h)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY
    CMAKE_CONFIGURE_DEPENDS ${_wr_public_headers})
  set(WIRERIG_VERSION_SCRIPT ${PROJECT_BINARY_DIR}/wirerig.map)
  wr_write_version_script(${WIRERIG_VERSION_SCRIPT} ${_wr_public_headers})
  unset(_wr_public_headers)
endif()
# Before 1.0 a minor release may break the ABI, so it is in the soname:
# libwirerig_framing.so.0.1 (then .so.1, .so.2 from 1.0 on).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(WIRERIG_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(WIRERIG_SOVERSION ${PROJECT_VERSION_MAJOR})
endif()

function(wr_add_library name)
  cmake_parse_arguments(ARG "INTERNAL" "SUMMARY" "SOURCES;PUBLIC;PRIVATE;PKGCONFIG" ${ARGN})
  set(target wirerig_${name})
  if(ARG_INTERNAL)
    add_library(${target} STATIC ${ARG_SOURCES})
  else()
    add_library(${target} ${ARG_SOURCES})
    set_property(GLOBAL APPEND PROPERTY WIRERIG_COMPONENTS ${name})
  endif()
  add_library(wirerig::${name} ALIAS ${target})
  # Installed as wirerig::NAME too (cmake/WirerigInstall.cmake).
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME wirerig_${name}
    EXPORT_NAME ${name}
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # base/ (private helpers) is reached as "base/x.h" from the source root.
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target}
    PUBLIC ${ARG_PUBLIC}
    PRIVATE ${ARG_PRIVATE} $<BUILD_INTERFACE:wirerig_flags>)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    set_target_properties(${target} PROPERTIES
      VERSION ${PROJECT_VERSION}
      SOVERSION ${WIRERIG_SOVERSION}
      # The libraries find each other beside themselves, wherever the
      # install is moved.
      INSTALL_RPATH "$ORIGIN"
      LINK_DEPENDS ${WIRERIG_VERSION_SCRIPT})
    target_link_options(${target} PRIVATE
      "LINKER:--version-script=${WIRERIG_VERSION_SCRIPT}")
    # Every library names what it needs (no symbol left for the program to
    # supply). Not under sanitizers: clang leaves the runtime's symbols to
    # the executable.
    if(NOT WIRERIG_SANITIZE)
      target_link_options(${target} PRIVATE "LINKER:-z,defs")
    endif()
  endif()
  set_property(GLOBAL APPEND PROPERTY WIRERIG_LIBRARIES ${name})
  set_property(GLOBAL PROPERTY WIRERIG_SUMMARY_${name} "${ARG_SUMMARY}")
  set_property(GLOBAL PROPERTY WIRERIG_PKGCONFIG_${name} "${ARG_PKGCONFIG}")
endfunction()

# The wirerig libraries NAME links directly (PUBLIC and PRIVATE), into VAR,
# in link order. With PUBLIC_ONLY, only those of its interface.
function(wr_library_deps var name)
  cmake_parse_arguments(ARG "PUBLIC_ONLY" "" "" ${ARGN})
  if(ARG_PUBLIC_ONLY)
    get_target_property(items wirerig_${name} INTERFACE_LINK_LIBRARIES)
  else()
    get_target_property(items wirerig_${name} LINK_LIBRARIES)
  endif()
  set(deps "")
  foreach(d IN LISTS items)
    if(d MATCHES "^wirerig::([a-z_]+)$")
      list(APPEND deps ${CMAKE_MATCH_1})
    endif()
  endforeach()
  set(${var} "${deps}" PARENT_SCOPE)
endfunction()

# Writes FILE with one line per wirerig library: its name and the wirerig
# libraries it links directly (for tests/layering/run.sh).
function(wr_write_link_table file)
  get_property(libs GLOBAL PROPERTY WIRERIG_LIBRARIES)
  set(text "")
  foreach(lib IN LISTS libs)
    wr_library_deps(deps ${lib})
    list(JOIN deps " " deps)
    string(STRIP "${lib} ${deps}" line)
    string(APPEND text "${line}\n")
  endforeach()
  file(WRITE ${file} "${text}")
endfunction()
