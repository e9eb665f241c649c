/* wirerig replay: the client side of a captured flow sent to a live server
 * over the loopback transport (loopback.h), and the server's answers
 * compared with the captured ones, byte for byte and packet by packet.
 *
 * This is the engine of `wirerig replay` (docs/pcap.md); the command only
 * parses its flags into a wr_replay_plan and prints the results.
 *
 *   wr_pcap_collect(...)                      the capture (pcapflows.h)
 *   wr_replay_plan_from_flow(flow, ...)       what to send, and when
 *   wr_replay_run(&plan, &result, err, ...)   the conversation
 *   wr_replay_compare(captured, live, ...)    the verdict
 */
#ifndef WIRERIG_REPLAY_H
#define WIRERIG_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/framing.h"
#include "wirerig/net.h"
#include "wirerig/pcapflows.h"
#include "wirerig/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wr_replay_timing {
  WR_REPLAY_FAST = 0, /* as fast as the server takes the bytes */
  WR_REPLAY_ORIGINAL, /* the captured gaps between client pieces */
  WR_REPLAY_SCALE     /* the captured gaps times `scale` */
} wr_replay_timing;

/* One write of the client side: a captured piece, or with a cut policy all
 * of the client's bytes at once (the shaper cuts them). */
typedef struct wr_replay_unit {
  size_t at, len; /* in the client stream's data */
  int64_t ts_ns;  /* captured time */
} wr_replay_unit;

typedef struct wr_replay_plan {
  wr_addr to;
  int allow_remote; /* the transport may connect beyond loopback */
  wr_replay_timing timing;
  double scale;         /* 1.0 for original */
  const wr_policy *cut; /* NULL: the captured piece boundaries */
  uint64_t seed;        /* of the cut policy's random draws */
  wr_time timeout;      /* connecting, and waiting for answers */
  wr_time quiet;        /* silence that ends a matched conversation */
  int half_close;       /* shutdown(write) once everything was sent */
  const uint8_t *data;  /* the client's bytes */
  const wr_replay_unit *units;
  size_t nunits;
  size_t expect_len; /* bytes the captured server sent */
} wr_replay_plan;

/* The live answers are kept up to this many bytes; beyond, the reading
 * stops and wr_replay_result.overflow is set. */
#define WR_REPLAY_LIVE_MAX ((size_t)256 << 20)

typedef struct wr_replay_result {
  uint8_t *live; /* what the server answered */
  size_t live_len;
  size_t sent;       /* client bytes the server took */
  int server_closed; /* end of stream seen */
  int reset;         /* the server reset the connection */
  int timed_out;     /* the timeout ended the wait */
  int overflow;      /* the server sent more than WR_REPLAY_LIVE_MAX */
  int send_error;    /* a negative wr_err when sending failed, else 0 */
  wr_time elapsed;   /* from connected to the end */
  /* Send times of the units (transport clock), for timing fidelity. */
  wr_time *sent_at;
  size_t nsent_at;
} wr_replay_result;

/* Fills the plan's data, units, expect_len and half_close from a collected
 * flow: one unit per captured client piece, or with `whole` (a cut policy
 * re-cuts the stream) one unit holding the whole client side. *units is
 * malloc'd (free it after the run). The other fields are left alone.
 * Returns 0 or WR_ENOMEM. */
int wr_replay_plan_from_flow(const wr_pcap_flow *pf, int whole,
                             wr_replay_plan *p, wr_replay_unit **units);

/* Connects to p->to, sends the units at their due times, reads every answer
 * until the server closes or resets, goes quiet after answering as much as
 * in the capture, or the timeout passes. Returns 0 (*r filled in, free it
 * with wr_replay_result_free), or a negative wr_err with err saying what
 * failed ("cannot connect to 127.0.0.1:9: connection refused
 * (econnrefused)"). A send failure or a reset is a result, not an error. */
int wr_replay_run(const wr_replay_plan *p, wr_replay_result *r, char *err,
                  size_t errlen);
void wr_replay_result_free(wr_replay_result *r);

/* Median and max |actual - intended| of the gaps between unit sends, in
 * microseconds; *n = how many gaps (0: nothing to say). */
void wr_replay_timing_error(const wr_replay_plan *p, const wr_replay_result *r,
                            double *median_us, double *max_us, size_t *n);

/* The comparison of the live answers with the captured ones. */
typedef struct wr_replay_diff {
  int match;         /* byte for byte */
  size_t first_diff; /* first differing byte (when !match) */
  /* With a framing: packets cut from each side, the first that differs
   * (1-based, 0 = none) and both renderings of it ("nothing" when a side
   * has none). */
  int packets; /* packet comparison done */
  size_t ncaptured, nlive, packet_diff;
  char *captured_text, *live_text;
  int packets_match;
  /* Packets equal only under the patterns (wr_replay_patterns): with
   * patterns, the answers match when packets_match holds. */
  size_t ignored;
} wr_replay_diff;

/* What the packet comparison lets differ: volatile fields of an answer (a
 * Date header, a request id, a timestamped frame), the replay side of the
 * scenario language's patterns (`_` in HTTP terms, `tcp any`). */
#define WR_REPLAY_MAX_PATTERNS 64
typedef struct wr_replay_patterns {
  /* HTTP header names (any case) whose values may differ: the two
   * http_header packets must still name the same header. */
  const char *const *headers;
  size_t nheaders;
  /* 1-based packet numbers whose content may differ: both sides must
   * still have that packet, complete. */
  const size_t *packets;
  size_t npackets;
} wr_replay_patterns;

/* Compares; with cfg (not NULL) also packet by packet, printing a line per
 * matching packet to out ("packet 1 matches (5 bytes): ..."; NULL: quiet).
 * Returns 0, or WR_ENOMEM. */
int wr_replay_compare(const uint8_t *captured, size_t clen, const uint8_t *live,
                      size_t llen, const wr_framing *cfg, FILE *out,
                      wr_replay_diff *d);
/* The same, packets equal under pat also counting as a match (pat may be
 * NULL; patterns need cfg). */
int wr_replay_compare_patterns(const uint8_t *captured, size_t clen,
                               const uint8_t *live, size_t llen,
                               const wr_framing *cfg,
                               const wr_replay_patterns *pat, FILE *out,
                               wr_replay_diff *d);
/* The captured answer's bytes outside what pat lets differ: how much the
 * live server must send before its silence may end the wait (the plan's
 * expect_len), since an ignored value may be shorter live. */
size_t wr_replay_fixed_len(const uint8_t *captured, size_t clen,
                           const wr_framing *cfg,
                           const wr_replay_patterns *pat);
void wr_replay_diff_free(wr_replay_diff *d);

/* Renders a packet as `wirerig decode` shows it (a quoted string, or the
 * Erlang term of an HTTP line) into a malloc'd string; *state is the HTTP
 * state, updated. NULL when out of memory. */
char *wr_replay_render_packet(const wr_framing *cfg, const uint8_t *p, size_t n,
                              int *state);

#ifdef __cplusplus
}
#endif

#endif
