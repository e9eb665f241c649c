/* The parts of `wirerig replay`: options, flow choice and the report
 * (cmd_replay.c). The conversation with the live server and the comparison
 * of its answers with the capture are the capture library's
 * (wirerig/replay.h); the names below are the command's for them. */
#ifndef WIRERIG_CLI_REPLAY_H
#define WIRERIG_CLI_REPLAY_H

#include "json.h"
#include "wirerig/replay.h"

#define WR_REPLAY_PROG "wirerig replay"

typedef wr_replay_plan replay_plan;
typedef wr_replay_unit replay_unit;
typedef wr_replay_result replay_result;
typedef wr_replay_diff replay_diff;
#define REPLAY_FAST WR_REPLAY_FAST
#define REPLAY_ORIGINAL WR_REPLAY_ORIGINAL
#define REPLAY_SCALE WR_REPLAY_SCALE

#endif
