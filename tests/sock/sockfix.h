/* A socket pair on every transport variant, for the tests of the gen_tcp
 * model: the same test body runs on simnet (several seeds and
 * segmentations, one-byte segments among them) and on loopback (whole and
 * one-byte writes), and asserts the same observable results. Results are
 * written as text in Erlang's words ("ok \"abc\"", "error closed",
 * "tcp \"ab\"", "tcp_error emsgsize", "tcp_closed") so that expectations
 * read like the Erlang shell. */
#ifndef WIRERIG_TEST_SOCKFIX_H
#define WIRERIG_TEST_SOCKFIX_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/sock.h"

typedef struct sx_variant {
  const char *name;
  int loopback;
  uint64_t seed;
  const char *policy; /* the segmentation of both directions */
} sx_variant;

typedef struct sx {
  const sx_variant *v;
  wr_net *net;
  wr_sockenv *env;
  wr_mailbox *mc, *ms; /* the client's and the server's owner */
  wr_sock *ls, *c, *s;
} sx;

extern const sx_variant sx_variants[];
extern const size_t sx_nvariants;

/* Opens a listener with sopts, connects a client with copts, accepts the
 * server side; applies the variant's policy to both directions. */
void sx_open(sx *x, const sx_variant *v, const char *copts, const char *sopts);
void sx_close(sx *x);
/* Only the transport, the environment and the two mailboxes. */
void sx_env_open(sx *x, const sx_variant *v);

/* Runs body on every variant (or only simnet ones when simnet_only). */
void sx_each(void (*body)(sx *x), const char *copts, const char *sopts);

/* Options from text; fails the test on a parse error. */
void sx_setopts(wr_sock *s, const char *text);

void sx_send(wr_sock *s, const char *data, size_t len);
#define SX_SEND(s, lit) sx_send((s), (lit), sizeof(lit) - 1)

/* recv as text: "ok \"...\"" (http: "ok http_request ..."), "error X". */
const char *sx_recv(sx *x, wr_sock *s, size_t len, long timeout_ms);
/* Waits for `expect`'s number of messages ("; "-separated), each up to
 * 5 s, lets the network settle, and returns every message received as
 * text, "; "-separated ("tcp \"a\"; tcp_closed"). */
const char *sx_msgs(sx *x, wr_mailbox *mb, const char *expect);
/* Lets the network run (simnet: until quiet; loopback: ms of real time). */
void sx_settle(sx *x, long ms);

/* Evaluates got once (it may drain a mailbox). */
#define SX_EQ(got, want)                                                       \
  do {                                                                         \
    const char *sx_got_ = (got);                                               \
    TU_CHECK(strcmp(sx_got_, (want)) == 0, "expected [%s], got [%s]", (want),  \
             sx_got_);                                                         \
  } while (0)

#endif
