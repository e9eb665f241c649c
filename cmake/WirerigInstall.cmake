# Install rules, the CMake package (find_package(wirerig [COMPONENTS ...]))
# and the pkg-config modules (wirerig-<library>.pc, wirerig.pc), all made
# from the list of libraries that wr_add_library keeps (docs/install.md).
#
# Install components (cmake --install BUILD --component NAME):
#   wirerig_libraries  the libraries, headers, CMake package and .pc files
#   wirerig_cli        the wirerig command (cli/CMakeLists.txt)
# A plain `cmake --install` installs both.
include(CMakePackageConfigHelpers)

set(WIRERIG_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/wirerig)
set(WIRERIG_INSTALL_PCDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wirerig
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT wirerig_libraries)

get_property(_wr_libs GLOBAL PROPERTY WIRERIG_LIBRARIES)
get_property(_wr_components GLOBAL PROPERTY WIRERIG_COMPONENTS)

# Installed: every component, and an internal library (base) only when a
# static library names it in its link interface. A shared library has taken
# in what it uses of base, so a shared install has no base at all.
set(_wr_installed "")
foreach(_wr_lib IN LISTS _wr_libs)
  if(_wr_lib IN_LIST _wr_components)
    list(APPEND _wr_installed ${_wr_lib})
    continue()
  endif()
  foreach(_wr_c IN LISTS _wr_components)
    get_target_property(_wr_type wirerig_${_wr_c} TYPE)
    wr_library_deps(_wr_deps ${_wr_c})
    if(_wr_type STREQUAL "STATIC_LIBRARY" AND _wr_lib IN_LIST _wr_deps)
      list(APPEND _wr_installed ${_wr_lib})
      break()
    endif()
  endforeach()
endforeach()

# One export set (and targets file) a library, so that a component brings
# only its own target and those of the libraries it links; the exported
# names are wirerig::<name>, the aliases the build tree uses.
set(WR_PACKAGE_DEPS "")
foreach(_wr_lib IN LISTS _wr_installed)
  install(TARGETS wirerig_${_wr_lib}
    EXPORT wirerig-${_wr_lib}-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT wirerig_libraries
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT wirerig_libraries
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT wirerig-${_wr_lib}-targets
    NAMESPACE wirerig::
    FILE wirerig-${_wr_lib}-targets.cmake
    DESTINATION ${WIRERIG_INSTALL_CMAKEDIR}
    COMPONENT wirerig_libraries)
  # The installed libraries it links, for the package to load them first.
  wr_library_deps(_wr_deps ${_wr_lib})
  set(_wr_inst_deps "")
  foreach(_wr_d IN LISTS _wr_deps)
    if(_wr_d IN_LIST _wr_installed)
      list(APPEND _wr_inst_deps ${_wr_d})
    endif()
  endforeach()
  list(JOIN _wr_inst_deps " " _wr_inst_deps)
  string(APPEND WR_PACKAGE_DEPS "set(_wr_deps_${_wr_lib} ${_wr_inst_deps})\n")
endforeach()

list(JOIN _wr_components " " WR_PACKAGE_COMPONENTS)
list(JOIN _wr_installed " " WR_PACKAGE_LIBRARIES)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wirerigConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wirerigConfig.cmake
  INSTALL_DESTINATION ${WIRERIG_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wirerigConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wirerigConfig.cmake
              ${PROJECT_BINARY_DIR}/wirerigConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/WirerigFuzz.cmake
  DESTINATION ${WIRERIG_INSTALL_CMAKEDIR} COMPONENT wirerig_libraries)
# wirerig_add_fuzz_target's replay main, beside the module that uses it.
install(FILES ${PROJECT_SOURCE_DIR}/fuzz/replay_main.c
  DESTINATION ${WIRERIG_INSTALL_CMAKEDIR} RENAME wirerig_fuzz_replay.c
  COMPONENT wirerig_libraries)

# pkg-config: wirerig-<library>.pc for each installed library, from one
# template, and wirerig.pc, which requires every component. A library's
# public wirerig dependencies (its headers include theirs) are Requires.
# Its private ones -- and its PKGCONFIG modules (libpcap) -- are
# Requires.private when it is shared, and Requires when it is static, so
# that a plain `pkg-config --libs` links a static install as before.
# Each .pc finds its prefix from its own location, so an install moved with
# `cmake --install --prefix` (or DESTDIR) still works.
file(RELATIVE_PATH WR_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" WR_PC_TO_PREFIX "${WR_PC_TO_PREFIX}")
set(_wr_pc_files "")
foreach(_wr_lib IN LISTS _wr_installed)
  get_target_property(_wr_type wirerig_${_wr_lib} TYPE)
  wr_library_deps(_wr_deps ${_wr_lib})
  wr_library_deps(_wr_public ${_wr_lib} PUBLIC_ONLY)
  get_property(_wr_pcmods GLOBAL PROPERTY WIRERIG_PKGCONFIG_${_wr_lib})
  set(_wr_req "")
  set(_wr_req_private "")
  foreach(_wr_d IN LISTS _wr_deps)
    if(NOT _wr_d IN_LIST _wr_installed)
      continue() # base, taken into a shared library
    elseif(_wr_d IN_LIST _wr_public OR _wr_type STREQUAL "STATIC_LIBRARY")
      list(APPEND _wr_req wirerig-${_wr_d})
    else()
      list(APPEND _wr_req_private wirerig-${_wr_d})
    endif()
  endforeach()
  if(_wr_type STREQUAL "STATIC_LIBRARY")
    list(APPEND _wr_req ${_wr_pcmods})
  else()
    list(APPEND _wr_req_private ${_wr_pcmods})
  endif()
  set(WR_PC_NAME wirerig-${_wr_lib})
  get_property(WR_PC_DESCRIPTION GLOBAL PROPERTY WIRERIG_SUMMARY_${_wr_lib})
  if(NOT _wr_lib IN_LIST _wr_components)
    set(WR_PC_DESCRIPTION "${WR_PC_DESCRIPTION} (wirerig, internal)")
  else()
    set(WR_PC_DESCRIPTION "${WR_PC_DESCRIPTION} (wirerig)")
  endif()
  list(JOIN _wr_req ", " WR_PC_REQUIRES)
  list(JOIN _wr_req_private ", " WR_PC_REQUIRES_PRIVATE)
  set(WR_PC_LIBS "-L\${libdir} -lwirerig_${_wr_lib}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/wirerig.pc.in
    ${PROJECT_BINARY_DIR}/pkgconfig/${WR_PC_NAME}.pc @ONLY)
  list(APPEND _wr_pc_files ${PROJECT_BINARY_DIR}/pkgconfig/${WR_PC_NAME}.pc)
endforeach()
# The all-in-one module: every component, nothing of its own to link.
set(WR_PC_NAME wirerig)
set(WR_PC_DESCRIPTION "${PROJECT_DESCRIPTION}: every library")
list(TRANSFORM _wr_components PREPEND wirerig- OUTPUT_VARIABLE _wr_req)
list(JOIN _wr_req ", " WR_PC_REQUIRES)
set(WR_PC_REQUIRES_PRIVATE "")
set(WR_PC_LIBS "")
configure_file(${PROJECT_SOURCE_DIR}/cmake/wirerig.pc.in
  ${PROJECT_BINARY_DIR}/pkgconfig/wirerig.pc @ONLY)
list(APPEND _wr_pc_files ${PROJECT_BINARY_DIR}/pkgconfig/wirerig.pc)
install(FILES ${_wr_pc_files} DESTINATION ${WIRERIG_INSTALL_PCDIR}
  COMPONENT wirerig_libraries)

foreach(_wr_v _wr_libs _wr_components _wr_installed _wr_lib _wr_c _wr_d _wr_type
    _wr_deps _wr_inst_deps _wr_public _wr_pcmods _wr_req _wr_req_private _wr_pc_files)
  unset(${_wr_v})
endforeach()
