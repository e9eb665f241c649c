/* The parts of `wirerig replay`: options, flow choice and the report
 * (cmd_replay.c), the conversation with the live server (replay_net.c) and
 * the comparison of its answers with the capture (replay_compare.c). */
#ifndef WIRERIG_CLI_REPLAY_H
#define WIRERIG_CLI_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "wirerig/framing.h"
#include "wirerig/net.h"
#include "wirerig/pcapflows.h"
#include "wirerig/policy.h"

#define WR_REPLAY_PROG "wirerig replay"

typedef enum replay_timing {
  REPLAY_FAST = 0, /* as fast as the server takes the bytes */
  REPLAY_ORIGINAL, /* the captured gaps between client pieces */
  REPLAY_SCALE     /* the captured gaps times `scale` */
} replay_timing;

/* One write of the client side: a captured piece, or with --cut all of the
 * client's bytes at once (the shaper cuts them). */
typedef struct replay_unit {
  size_t at, len; /* in the client stream's data */
  int64_t ts_ns;  /* captured time */
} replay_unit;

typedef struct replay_plan {
  wr_addr to;
  int allow_remote;
  replay_timing timing;
  double scale;         /* 1.0 for original */
  const wr_policy *cut; /* NULL: the captured piece boundaries */
  uint64_t seed;
  wr_time timeout;     /* connecting, and waiting for answers */
  wr_time quiet;       /* silence that ends a matched conversation */
  int half_close;      /* shutdown(write) once everything was sent */
  const uint8_t *data; /* the client's bytes */
  const replay_unit *units;
  size_t nunits;
  size_t expect_len; /* bytes the captured server sent */
} replay_plan;

typedef struct replay_result {
  uint8_t *live; /* what the server answered */
  size_t live_len;
  size_t sent;       /* client bytes the server took */
  int server_closed; /* end of stream seen */
  int reset;         /* the server reset the connection */
  int timed_out;     /* --timeout ended the wait */
  int send_error;    /* a negative wr_err when sending failed, else 0 */
  wr_time elapsed;   /* from connected to the end */
  /* Send times of the units (transport clock), for timing fidelity. */
  wr_time *sent_at;
  size_t nsent_at;
} replay_result;

/* Connects, sends, reads. 0, or 2 after a message (bad address, connection
 * refused, out of memory). */
int wr_replay_run(const replay_plan *p, replay_result *r);
void wr_replay_result_free(replay_result *r);

/* The comparison of the live answers with the captured ones. */
typedef struct replay_diff {
  int match;         /* byte for byte */
  size_t first_diff; /* first differing byte (when !match) */
  /* --packet: packets cut from each side, the first that differs (1-based,
   * 0 = none) and both renderings of it ("" when a side has none). */
  int packets; /* packet comparison done */
  size_t ncaptured, nlive, packet_diff;
  char *captured_text, *live_text;
  int packets_match;
} replay_diff;

/* Compares; with cfg (not NULL) also packet by packet, printing matching
 * packets briefly to out (NULL: quiet). 0, or -1 when out of memory. */
int wr_replay_compare(const uint8_t *captured, size_t clen, const uint8_t *live,
                      size_t llen, const wr_framing *cfg, FILE *out,
                      replay_diff *d);
void wr_replay_diff_free(replay_diff *d);

/* Renders a packet as `wirerig decode` shows it (a quoted string, or the
 * Erlang term of an HTTP line) into a malloc'd string; *state is the HTTP
 * state, updated. NULL when out of memory. */
char *wr_replay_render_packet(const wr_framing *cfg, const uint8_t *p, size_t n,
                              int *state);

#endif
