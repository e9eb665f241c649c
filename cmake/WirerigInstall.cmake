# Install rules, the CMake package (find_package(wirerig)) and wirerig.pc.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wirerig DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
get_property(_wr_libs GLOBAL PROPERTY WIRERIG_LIBRARIES)
list(TRANSFORM _wr_libs PREPEND wirerig_ OUTPUT_VARIABLE _wr_targets)
install(TARGETS ${_wr_targets}
  EXPORT wirerigTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT wirerigTargets NAMESPACE wirerig:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wirerig)

string(JOIN " " WR_LIBRARY_LIST ${_wr_libs})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wirerigConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wirerigConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wirerig)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wirerigConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wirerigConfig.cmake ${PROJECT_BINARY_DIR}/wirerigConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wirerig)

# The .pc file finds its prefix from its own location, so an install moved
# with `cmake --install --prefix` (or DESTDIR) still works.
file(RELATIVE_PATH WR_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" WR_PC_TO_PREFIX "${WR_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/wirerig.pc.in ${PROJECT_BINARY_DIR}/wirerig.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wirerig.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
