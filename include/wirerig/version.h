/* The version of wirerig: the libraries, the headers and the `wirerig`
 * command share it.
 *
 * This header is the one place the version is written down: the top-level
 * CMakeLists.txt reads the three numbers from here for project(VERSION),
 * which in turn versions the CMake package and wirerig.pc. Plain macros
 * only, so C99 and C++ code can test it in #if:
 *
 *   #if WR_VERSION_NUMBER >= 100   (0.1.0 or later)
 */
#ifndef WIRERIG_VERSION_H
#define WIRERIG_VERSION_H

#define WR_VERSION_MAJOR 0
#define WR_VERSION_MINOR 1
#define WR_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH"; written out rather than built with the preprocessor
 * so that a grep finds it. */
#define WR_VERSION_STRING "0.1.0"

/* MAJOR * 10000 + MINOR * 100 + PATCH: 0.1.0 is 100, 1.2.3 is 10203. */
#define WR_VERSION_NUMBER                                                      \
  (WR_VERSION_MAJOR * 10000 + WR_VERSION_MINOR * 100 + WR_VERSION_PATCH)

#endif
