/* A small request/reply server written against wirerig's sockets, the kind
 * of code the server fuzzer (statefuzz.h, "fuzzing your own server") is
 * for: {packet,2} framing, {active,once} flow control re-armed after each
 * request, a tiny key-value store. Built with a deliberate state-machine
 * bug when its config says so. docs/fuzzing.md, "Your server". */
#ifndef REQSERVER_H
#define REQSERVER_H

#include <stddef.h>
#include <stdint.h>

#include <wirerig/statefuzz.h>

typedef struct reqserver_config {
  /* 1: a notify ('N' request, which gets no reply) returns before
   * re-arming {active,once}, so the connection stalls: every later
   * request waits forever for a reply. */
  int bug;
} reqserver_config;

/* The protocol, one {packet,2} frame per request and per reply:
 *   "P"            -> "PONG"
 *   "S" key "=" v  -> "+OK"      (stores v under key)
 *   "G" key        -> "V" value, or "-" when the key is not set
 *   "N" anything   -> no reply   (a notification: counted)
 *   anything else  -> "-ERR"
 * reqserver_reply computes the reply a request must get from a store of
 * the previous requests (the oracle uses it as the reference). */
typedef struct reqserver_store reqserver_store;
reqserver_store *reqserver_store_new(void);
void reqserver_store_free(reqserver_store *st);
/* The reply to req (written into out, at most cap bytes): its length, or
 * -1 when the request gets none. */
int reqserver_reply(reqserver_store *st, const uint8_t *req, size_t len,
                    uint8_t *out, size_t cap);

/* The server as the fuzzer drives it (callbacks, with an at_end oracle:
 * every request got its reply, in order, unless the client closed, the
 * network was faulted or a send failed). */
wr_sf_server reqserver_server(reqserver_config *cfg);

#endif
