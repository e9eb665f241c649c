/* A scenario's parsed form as compact text, one line per endpoint and per
 * step, so that test tables can state the whole AST a snippet must give:
 *
 *   ep server listener 1:1
 *   1:1 listen server opts=[packet=2]
 *   3:1 send client data="\x00\x05hello" expect=ok
 */
#ifndef WIRERIG_TEST_SCN_DUMP_H
#define WIRERIG_TEST_SCN_DUMP_H

#include "testutil.h"
#include "wirerig/scenario.h"

void scn_dump(const wr_scenario *s, tu_str *out);

#endif
