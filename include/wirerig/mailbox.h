/* The messages an active gen_tcp socket sends its controlling process, and
 * the mailbox (sock.h) that stands for that process. Kind names are
 * Erlang's atoms, so a test can compare them with Erlang's printed terms.
 */
#ifndef WIRERIG_MAILBOX_H
#define WIRERIG_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wr_msg_kind {
  WR_MSG_TCP = 0,     /* {tcp, S, Data} */
  WR_MSG_HTTP,        /* {http, S, HttpPacket} for the http types */
  WR_MSG_TCP_CLOSED,  /* {tcp_closed, S} */
  WR_MSG_TCP_ERROR,   /* {tcp_error, S, Reason} */
  WR_MSG_TCP_PASSIVE, /* {tcp_passive, S} */
} wr_msg_kind;

struct wr_sock;

typedef struct wr_msg {
  wr_msg_kind kind;
  int reason; /* tcp_error: a negative wr_err (WR_EMSGSIZE, ...) */
  struct wr_sock *sock;
  uint8_t *data; /* tcp / http: the packet (http: the line); a big tcp
                    packet points into the receive storage it keeps */
  size_t len;
  /* http: the line as the socket's framing parsed it, its spans pointing
   * into data (the message owns both, so they stay valid until
   * wr_msg_free); NULL for every other kind. The line is parsed once, when
   * it is framed: nothing downstream needs to parse it again. */
  const wr_http_packet *http;
  void *hold_;  /* private: the receive storage data lies in, or NULL */
  int http_bin; /* http: parsed as http_bin / httph_bin, so the term's
                   strings are binaries (wr_http_render) */
} wr_msg;

typedef struct wr_mailbox wr_mailbox;
struct wr_sockenv; /* sock.h */

/* A new empty mailbox of env (a controlling process), freed with the
 * environment. 0, or WR_ENOMEM. */
int wr_mailbox_create(struct wr_sockenv *env, wr_mailbox **out);
/* Takes the oldest message, waiting up to timeout_ms (WR_SOCK_INFINITY,
 * sock.h) while the event loop runs. 0 with *out filled (free it with
 * wr_msg_free), or WR_TIMEOUT. */
int wr_mailbox_recv(wr_mailbox *mb, long timeout_ms, wr_msg *out);

/* "tcp", "http", "tcp_closed", "tcp_error", "tcp_passive". */
const char *wr_msg_kind_name(wr_msg_kind kind);
/* Releases m->data (never free() it yourself: the buffer goes back to its
 * environment for reuse). Free messages before destroying their
 * environment; messages still in mailboxes are freed with it. */
void wr_msg_free(wr_msg *m);

/* Messages waiting, their data bytes, and the most messages ever waiting
 * (for flood measurements). */
size_t wr_mailbox_len(const wr_mailbox *mb);
size_t wr_mailbox_bytes(const wr_mailbox *mb);
size_t wr_mailbox_peak(const wr_mailbox *mb);
/* Takes the oldest message without running the event loop: 0, or
 * WR_EAGAIN when empty. */
int wr_mailbox_take(wr_mailbox *mb, wr_msg *out);

#ifdef __cplusplus
}
#endif
#endif
