/* wirerig scenarios: the scenario language (docs/scenarios.md) parsed and
 * checked into a typed, in-memory form that a runner executes.
 *
 * Parsing does all the work that does not need a network: names are
 * resolved to endpoints, data terms are evaluated to bytes (file() read,
 * frame() built, repetitions expanded up to a size cap), options, policies,
 * durations and expectations are checked. What is left for the runner is to
 * act and compare. Every step keeps its source position so that a failure
 * report can cite the line it comes from.
 *
 * A parse collects every error of a file (up to a cap) instead of stopping
 * at the first: a statement with an error is dropped and parsing resumes at
 * the next line. A scenario with errors must not be run.
 */
#ifndef WIRERIG_SCENARIO_H
#define WIRERIG_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"
#include "wirerig/policy.h"
#include "wirerig/sockopt.h"
#include "wirerig/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest byte string one data expression may evaluate to (repetitions,
 * pattern(), file() included), unless wr_scn_config says otherwise. */
#define WR_SCN_MAX_DATA (256u * 1024u * 1024u)
/* Most data all of one file's data expressions may come to together,
 * unless wr_scn_config says otherwise: a file of a few bytes could build
 * gigabytes (`send pattern(268435456)` four times), and every byte is
 * built before anything runs. */
#define WR_SCN_MAX_FILE_DATA (64u * 1024u * 1024u)
/* Largest scenario file wr_scn_load reads: scenarios are written by hand;
 * bulk data belongs in file(). */
#define WR_SCN_MAX_SOURCE (4u * 1024u * 1024u)
/* Most endpoints one scenario may declare (names are looked up linearly). */
#define WR_SCN_MAX_ENDPOINTS 4096
/* Errors collected per file before parsing gives up. */
#define WR_SCN_MAX_ERRORS 20
/* Longest error message, terminating NUL included. */
#define WR_SCN_MSG_MAX 320

/* Where a step comes from: file (the scenario's own string), 1-based line
 * and column of its first token. */
typedef struct wr_scn_pos {
  const char *file;
  uint32_t line, col;
} wr_scn_pos;

typedef struct wr_scn_bytes {
  uint8_t *ptr; /* NULL when len is 0 */
  size_t len;
} wr_scn_bytes;

/* ---- endpoints ---------------------------------------------------------- */

typedef enum wr_scn_ep_kind {
  WR_SCN_EP_LISTENER, /* `NAME listen` */
  WR_SCN_EP_SOCKET,   /* `NAME connect`, `as ACC`, `ACC accept` */
  WR_SCN_EP_TARGET,   /* `target NAME ...` */
  WR_SCN_EP_MAILBOX   /* `owner MAILBOX` with a new name, or `spawn NAME` */
} wr_scn_ep_kind;

typedef struct wr_scn_endpoint {
  const char *name;
  wr_scn_ep_kind kind;
  wr_scn_pos pos; /* where it was declared */
  /* A listener's name also names its first accepted connection (the one a
   * `connect` without `as` creates): set once that connection exists. From
   * then on, socket verbs on the name act on that accepted socket. */
  int listener_named_conn;
  /* `spawn NAME { ... }`: a mailbox that names a process (its mailbox is
   * the process's own). */
  int process;
  /* The process whose block declared the name: its endpoint index + 1,
   * 0 for the file's main process (so that a scenario built in C, zeroed,
   * has everything in main). Sockets belong to it until `owner` moves
   * them, and close when it ends. */
  int proc;
  /* target */
  const char *command; /* start: with {port} still in it; NULL for `at` */
  const char *ready;   /* NULL: ready when the port accepts */
  wr_time timeout;     /* start: 0 = the runner's default */
  const char *host;    /* at */
  uint16_t port;       /* at */
  /* start ... shim="READS" [shim_writes="WRITES"]: the target runs under
   * libwirerig_preload.so (docs/exec.md) with these policies for its own
   * reads and writes, seeded by the run's seed. NULL: no shim. */
  const char *shim_reads, *shim_writes;
  /* shim_conn="C=POLICY;...": connections whose reads follow their own
   * policy (policy.h, wr_conn_policies); what a shrunk target scenario
   * pins. NULL: none. */
  const char *shim_conn;
} wr_scn_endpoint;

/* ---- expectations -------------------------------------------------------- */

typedef enum wr_scn_expect_kind {
  WR_SCN_EXPECT_OK = 0, /* `ok` (send, setopts, shutdown default) */
  WR_SCN_EXPECT_BYTES,  /* DATA...: exactly these bytes */
  WR_SCN_EXPECT_COUNT,  /* `bytes N` */
  WR_SCN_EXPECT_HTTP,   /* `http TERM` */
  WR_SCN_EXPECT_ERROR,  /* `error REASON` */
  WR_SCN_EXPECT_ANY,    /* `any` */
  WR_SCN_EXPECT_VAR,    /* `$x`: capture (bind) or compare (bound) */
  WR_SCN_EXPECT_PREFIX, /* `prefix DATA`: bytes starting with DATA */
  WR_SCN_EXPECT_LEN     /* `len N`: any N bytes, as a pattern (== COUNT) */
} wr_scn_expect_kind;

/* What arrives in a mailbox (`message`, `messages`). */
typedef enum wr_scn_msg_kind {
  WR_SCN_MSG_NONE = 0, /* not a message expectation */
  WR_SCN_MSG_TCP,      /* tcp DATA / tcp bytes N / tcp any */
  WR_SCN_MSG_HTTP,     /* http TERM */
  WR_SCN_MSG_TCP_CLOSED,
  WR_SCN_MSG_TCP_ERROR, /* tcp_error REASON */
  WR_SCN_MSG_TCP_PASSIVE
} wr_scn_msg_kind;

/* How the strings of an `http TERM` are written, which says which packet
 * types it can match: gen_tcp gives the lines of http and httph with
 * lists, those of http_bin and httph_bin with binaries. */
typedef enum wr_scn_http_strings {
  WR_SCN_HTTP_NO_STRINGS = 0, /* none (http_eoh, '*' ...): any http type */
  WR_SCN_HTTP_LISTS,          /* "..." or []: http, httph */
  WR_SCN_HTTP_BINARIES        /* <<"...">> or <<>>: http_bin, httph_bin */
} wr_scn_http_strings;

/* An `http TERM` expectation, typed as decode_packet's HttpPacket (the
 * fields of wr_http_packet), its strings owned by the scenario. The parser
 * accepts only the shapes gen_tcp can return, so comparing is comparing
 * fields (wr_scn_http_match), whatever their size; wr_scn_http_render
 * writes the term back for reports. */
/* Fields of an http term written `_` (matched by anything, as in an
 * Erlang pattern): bits of wr_scn_http.any. */
enum {
  WR_SCN_HTTP_ANY_TERM = 1u << 0, /* `http _`: any packet at all */
  WR_SCN_HTTP_ANY_METHOD = 1u << 1,
  WR_SCN_HTTP_ANY_URI = 1u << 2,
  WR_SCN_HTTP_ANY_MAJOR = 1u << 3,
  WR_SCN_HTTP_ANY_MINOR = 1u << 4,
  WR_SCN_HTTP_ANY_STATUS = 1u << 5,
  WR_SCN_HTTP_ANY_REASON = 1u << 6,
  WR_SCN_HTTP_ANY_NUMBER = 1u << 7, /* a header's number */
  WR_SCN_HTTP_ANY_FIELD = 1u << 8,
  WR_SCN_HTTP_ANY_RAW_FIELD = 1u << 9,
  WR_SCN_HTTP_ANY_VALUE = 1u << 10,
  WR_SCN_HTTP_ANY_LINE = 1u << 11
};

typedef struct wr_scn_http {
  wr_http_kind kind;
  wr_scn_http_strings strings;
  uint32_t any; /* WR_SCN_HTTP_ANY_* */
  /* request, response: {Major,Minor} */
  int32_t major, minor;
  /* request: a known method is an atom ('GET': method_index 1..7, see
   * wr_http_method_name), any other one a string (method_index 0). */
  int method_index;
  wr_scn_bytes method;
  /* request: the URI as wr_http_uri holds it: '*', {abs_path,S1},
   * {absoluteURI,http|https,S1,Port,S2}, {scheme,S1,S2} or S1. */
  wr_uri_kind uri_kind;
  wr_scn_bytes uri_s1, uri_s2;
  int32_t port; /* absoluteURI: 0 = undefined */
  /* response */
  int32_t status;
  wr_scn_bytes reason;
  /* header: {http_header,Number,Field,RawField,Value}; a known header's
   * Field is an atom ('Host': field_index = its number, 1..52), any other
   * one a string (field_index 0). */
  int32_t header_index;
  int field_index;
  wr_scn_bytes field, raw_field, value;
  /* error: {http_error,Line} */
  wr_scn_bytes line;
} wr_scn_http;

typedef struct wr_scn_expect {
  wr_scn_expect_kind kind;
  wr_scn_msg_kind msg;
  wr_scn_pos pos;          /* of the token after `->` */
  wr_scn_bytes bytes;      /* BYTES */
  uint64_t count;          /* COUNT */
  const wr_scn_http *http; /* HTTP */
  int error;               /* ERROR / tcp_error: a wr_err code (< 0); 0
                              for `_`, any reason */
  const char *reason;      /* its name as written */
  /* VAR: the variable (1-based index into wr_scenario.vars). bind: this
   * is the variable's first use in the file, which captures what the step
   * observed (every time it runs); any later use compares with the value
   * bound last, as a bound variable in an Erlang pattern does. */
  int var;
  int bind;
  const char *var_name; /* VAR: the name, without the `$` */
} wr_scn_expect;

/* Does result rc (a wr_err code, < 0 for an error) meet an `error REASON`
 * expectation? `error _` (error 0) takes any error, as `{error, _}`. */
static inline int wr_scn_error_holds(const wr_scn_expect *e, int rc) {
  return e->error == 0 ? rc < 0 : rc == e->error;
}

/* Does packet p, framed by a type whose strings are binaries or not,
 * match the expectation? Compares the fields as gen_tcp's terms would:
 * kind, atoms against strings, numbers, every string byte for byte, and
 * lists against binaries. 1 or 0. */
int wr_scn_http_match(const wr_scn_http *e, const wr_http_packet *p,
                      int binaries);
/* The term in wr_http_render's spelling (what `wirerig decode` prints),
 * snprintf-style. */
int wr_scn_http_render(const wr_scn_http *e, char *buf, size_t len);

/* ---- steps -------------------------------------------------------------- */

typedef enum wr_scn_kind {
  WR_SCN_LISTEN,       /* ep; opts */
  WR_SCN_CONNECT,      /* ep connects to peer; acc = accepted name or -1
                          (manual, or a target); opts */
  WR_SCN_ACCEPT,       /* ep (new) accepts on listener peer; timeout;
                          expect OK or ERROR */
  WR_SCN_TARGET_START, /* ep: a target (see its endpoint) */
  WR_SCN_TARGET_AT,    /* ep */
  WR_SCN_SEND,         /* ep; data; expect OK or ERROR */
  WR_SCN_RECV,         /* ep; n = LEN; timeout; expect */
  WR_SCN_MESSAGE,      /* ep = mailbox name; timeout; expect (msg set) */
  WR_SCN_MESSAGES,     /* same, n messages */
  WR_SCN_NOTHING,      /* ep; t = the quiet period */
  WR_SCN_DRAIN,        /* ep; timeout; n = bytes */
  WR_SCN_SETOPTS,      /* ep; opts; expect OK or ERROR */
  WR_SCN_GETOPTS,      /* ep; opts[0] = name and expected value */
  WR_SCN_SHUTDOWN,     /* ep; how; expect OK or ERROR */
  WR_SCN_CLOSE,        /* ep */
  WR_SCN_OWNER,        /* ep's messages go to mailbox peer */
  WR_SCN_WAIT,         /* t */
  WR_SCN_REPEAT,       /* n times body */
  WR_SCN_MAILBOX,      /* ep; cmp n */
  WR_SCN_STATE,        /* ep; state */
  WR_SCN_SENT,         /* ep; cmp n */
  WR_SCN_RECEIVED,     /* ep; cmp n */
  WR_SCN_ELAPSED,      /* cmp t */
  WR_SCN_NET_POLICY,   /* ep->peer (both); policy */
  WR_SCN_NET_BUFFERS,  /* ep->peer (both); sndbuf, rcvbuf (0 = unchanged) */
  WR_SCN_NET_RESET,    /* ep->peer; n bytes (has_n) or at time t */
  WR_SCN_NET_DROP,     /* ep->peer */
  WR_SCN_NET_STALL,    /* ep->peer; t (0 = until released) */
  WR_SCN_NET_RELEASE,  /* ep->peer */
  WR_SCN_NET_REFUSE,   /* ep = listener; on */
  WR_SCN_STREAM,       /* ep; has_n = 1: `stream mark`, else expect (BYTES,
                          COUNT, PREFIX, LEN, VAR) on the data received
                          since the start or the last mark */
  WR_SCN_SOCKNAME,     /* ep; addr: inet:sockname's IP */
  WR_SCN_PEERNAME,     /* ep; addr: inet:peername's IP */
  WR_SCN_ROUNDS,       /* cmp n: the rounds of the last `repeat ... until` */
  WR_SCN_SPAWN,        /* ep = the process; body: its steps */
  WR_SCN_AWAIT,        /* ep = the process; timeout; on: expects `killed`
                          (0: `normal`) */
  WR_SCN_KILL          /* ep = the process */
} wr_scn_kind;

typedef enum wr_scn_cmp {
  WR_SCN_EQ,
  WR_SCN_NE,
  WR_SCN_LT,
  WR_SCN_LE,
  WR_SCN_GT,
  WR_SCN_GE
} wr_scn_cmp;

struct wr_scn_step;
typedef struct wr_scn_block {
  struct wr_scn_step *steps;
  size_t n;
} wr_scn_block;

/* The time a `repeat ... until` loop may take when it names none. */
#define WR_SCN_UNTIL_WITHIN (60ull * 1000000000ull)

typedef struct wr_scn_step {
  wr_scn_kind kind;
  wr_scn_pos pos;
  int ep;    /* endpoint index (subject), -1 for wait/elapsed/repeat */
  int peer;  /* connect/accept: the listener or target; net: B; owner: the
                mailbox; -1 otherwise */
  int acc;   /* connect: the accepted socket's endpoint (may equal peer, see
                listener_named_conn), -1 when nothing is accepted */
  int both;  /* net A<->B */
  int inet6; /* listen: on ::1 rather than 127.0.0.1 (gen_tcp's `inet6`) */
  /* repeat N until RESULT [within T]: the loop ends at the first step of
   * its body whose result is `expect` (ok, error REASON, tcp_closed,
   * tcp_passive or tcp_error REASON); at most n rounds and t of time
   * (0: WR_SCN_UNTIL_WITHIN). */
  int until;
  wr_addr addr; /* sockname, peername: the IP expected (port 0: any) */
  /* listen, connect, setopts: gen_tcp options, typed and checked once, by
   * the parser, with the sockets' own wr_sockopt_parse; the runner hands
   * them to the socket as they are. getopts: opts[0] is the option asked
   * for, with the value expected. */
  const wr_sockopt *opts;
  size_t nopts;
  /* Under `-> error einval` an option gen_tcp refuses (an unknown name, a
   * bad value) has no typed form: refused_opt is the first one as written
   * ("packet=7"), and the runner gives the statement einval without
   * applying any of its options, as gen_tcp does. NULL otherwise. */
  const char *refused_opt;
  wr_scn_bytes data; /* send */
  int data_var;      /* send $x: the variable sent (1-based), 0 = data */
  uint64_t n;        /* recv LEN, messages N, drain bytes, repeat count,
                        compared value, reset after N */
  int has_n;         /* recv: LEN given; reset: `after` */
  wr_time t;         /* wait, nothing within, elapsed, stall, reset at */
  wr_time timeout;   /* timeout=T; has_timeout says whether it was given */
  int has_timeout;
  wr_scn_cmp cmp;
  int how;                 /* shutdown: WR_SHUT_RD, _WR, _RDWR (types.h) */
  wr_sock_state state;     /* state: the socket model's own enum */
  int on;                  /* refuse on|off */
  uint64_t sndbuf, rcvbuf; /* net buffers, 0 = not set */
  const wr_policy *policy; /* net policy */
  wr_scn_expect expect;
  wr_scn_block body; /* repeat, spawn; not expanded */
} wr_scn_step;

typedef enum wr_scn_transports {
  WR_SCN_BOTH = 0,
  WR_SCN_SIM,
  WR_SCN_LOOPBACK
} wr_scn_transports;

typedef struct wr_scn_error {
  uint32_t line, col; /* 0, 0 for an error about the whole file */
  char msg[WR_SCN_MSG_MAX];
} wr_scn_error;

typedef struct wr_scenario {
  const char *file;  /* as given to the parser */
  const char *title; /* `scenario "..."`, else the file's base name */
  uint64_t seeds;    /* 0 = not set */
  wr_scn_transports transports;
  int exhaustive; /* -1 off, 0 not set, 1 set: limit below */
  uint64_t exhaustive_limit;
  wr_scn_endpoint *endpoints;
  size_t nendpoints;
  /* Variables ($name), in the order of their first (binding) use. */
  const char **vars;
  size_t nvars;
  int uses_stream; /* some step is `stream`: the runner keeps the data */
  int uses_until;  /* some repeat has `until` (a later `rounds` may refer to it)
                    */
  int uses_procs;  /* some step is `spawn` */
  wr_scn_block steps;
  /* Errors in source order; nerrors_total counts those beyond the cap. */
  wr_scn_error *errors;
  size_t nerrors;
  size_t nerrors_total;
  void *arena_; /* internal */
} wr_scenario;

typedef struct wr_scn_config {
  size_t max_data;     /* 0: WR_SCN_MAX_DATA */
  unsigned max_errors; /* 0: WR_SCN_MAX_ERRORS */
  int no_files;        /* refuse file() (fuzzing) */
  /* All the file's data together; 0: WR_SCN_MAX_FILE_DATA. One expression
   * may come to at most the smaller of the two limits. */
  uint64_t max_file_data;
} wr_scn_config;

/* Parses text[0..len) as the scenario file `file` (used in messages and as
 * the directory file() paths are relative to). Returns the scenario, with
 * errors in s->errors (a scenario with nerrors > 0 must not be run), or
 * NULL when memory ran out. cfg may be NULL. */
wr_scenario *wr_scn_parse(const char *file, const char *text, size_t len,
                          const wr_scn_config *cfg);
/* Reads and parses a file; an unreadable file is one error at line 0. */
wr_scenario *wr_scn_load(const char *file, const wr_scn_config *cfg);
void wr_scn_free(wr_scenario *s);

/* "FILE:LINE:COL: message" (or "FILE: message" at line 0); snprintf-style
 * return. */
int wr_scn_error_format(const wr_scenario *s, const wr_scn_error *e, char *buf,
                        size_t len);

/* Names for reports: "send", "net" ...; "==" ... */
const char *wr_scn_kind_name(wr_scn_kind k);
const char *wr_scn_cmp_name(wr_scn_cmp c);

#ifdef __cplusplus
}
#endif
#endif
