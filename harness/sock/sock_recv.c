/* The receive side of the gen_tcp model: reading into the driver buffer,
 * active delivery, passive recv, and how the end of a stream is reported
 * (semantics §4.1-4.4). */
#include <stdlib.h>
#include <string.h>

#include "sock_int.h"

/* WR_SOCK_PLANTED_ONCE_STAYS plants a mistake (active once never spent)
 * in a copy of this library built for tests/test_statefuzz_planted.c
 * alone: the stateful fuzzer's regression writer is tested on a real
 * model finding. WR_SOCK_PLANTED_EOF_UNSEEN plants another (an end of
 * stream read and ignored, so the socket stays ready for ever) for
 * tests/test_sock_livelock.c: the transport's spin guard must end such a
 * run with an error, not let it hang. The library itself is never built
 * with either. */

/* Memory the harness could not get for the driver buffer or a packet is
 * the harness's failure, not an answer gen_tcp gave: the limit ends the
 * run as ERROR (wr_sock_system_), and the caller stops reading. */
static int out_of_memory(wr_sock *s, int rc) {
  return rc == WR_ENOMEM ? wr_sock_system_(s->env, rc) : rc;
}

/* Reads once from the transport into the driver buffer, as inet_drv sizes
 * its reads (wr_stream_reserve); `extra` asks for at least that many more
 * bytes (raw recv of an exact length grows the buffer). Returns the bytes
 * read (> 0), 0 at end of stream, WR_EAGAIN, or a transport error; *asked
 * is how many it asked the transport for. */
static long read_some(wr_sock *s, size_t extra, size_t *asked) {
  wr_sockenv *env = s->env;
  uint8_t *dst;
  size_t len;
  int rc = wr_stream_reserve(&s->rx, &dst, &len);
  if (rc < 0)
    return out_of_memory(s, rc);
  if (extra > len) {
    size_t want = extra < sizeof env->scratch ? extra : sizeof env->scratch;
    *asked = want;
    long n = wr_net_recv(env->net, s->h, env->scratch, want);
    if (n > 0 && wr_stream_feed(&s->rx, env->scratch, (size_t)n) != 0)
      return out_of_memory(s, WR_ENOMEM);
    return n;
  }
  if (len == 0)
    return WR_EAGAIN; /* the buffer is full of undelivered packets */
  *asked = len;
  long n = wr_net_recv(env->net, s->h, dst, len);
  if (n > 0)
    wr_stream_commit(&s->rx, (size_t)n);
  return n;
}

/* active true reads all it can take in one call: the stream frames what
 * it holds at most `buffer` (or one packet) at a time however the bytes
 * came in (stream.h), so the messages are the same as with inet_drv's
 * packet-sized reads, at a fraction of the system calls. once and N keep
 * the driver's read sizes, so that what they do not deliver stays in the
 * kernel. */
static long read_ahead(wr_sock *s, size_t *asked) {
  /* Read straight into the storage behind the buffered bytes, with room
   * for half a read-ahead at least (so reads stay large) and at most a
   * whole one. */
  int rc = wr_stream_room(&s->rx, WR_SOCK_READ_AHEAD / 2);
  if (rc < 0)
    return out_of_memory(s, rc);
  size_t room = s->rx.alloc - s->rx.end;
  if (room > WR_SOCK_READ_AHEAD)
    room = WR_SOCK_READ_AHEAD;
  *asked = room;
  /* A framed packet is the same whichever segments brought its bytes, so
   * the read may take every segment arriving now in one go (the main cost
   * of small frames on simnet was a poll and a read per segment). Raw
   * data is delivered as read: there the segments are what a user cuts
   * the stream into to see partial reads, and each stays a read. */
  uint8_t *dst = s->rx.buf + s->rx.end;
  long n = s->rx.type == WR_PACKET_RAW
               ? wr_net_recv(s->env->net, s->h, dst, room)
               : wr_net_recv_arrived(s->env->net, s->h, dst, room);
  if (n > 0)
    wr_stream_commit(&s->rx, (size_t)n);
  return n;
}

/* The end of the stream: FIN (0) or an error from recv. */
static void saw_end(wr_sock *s, long n) {
  s->rd_done = 1;
  s->rd_reason = n == WR_ECONNRESET ? WR_ECONNRESET : WR_CLOSED;
  wr_sock_watch_(s);
}

/* The reason a close is reported with: a reset shows as a plain close
 * unless show_econnreset is set. */
static int close_reason(const wr_sock *s) {
  if (s->rd_reason == WR_ECONNRESET && s->show_econnreset)
    return WR_ECONNRESET;
  return WR_CLOSED;
}

/* Active: tcp_error (if any), tcp_closed; with exit_on_close the port
 * closes, else only the read side is done and sending still works. */
static void report_close_active(wr_sock *s, int error) {
  if (error)
    wr_sock_post_(s, WR_MSG_TCP_ERROR, error, NULL, 0);
  /* tcp_closed comes once per port: a second framing error posts
   * tcp_error only, whether exit_on_close is still false or was set true
   * since (then the port closes without another tcp_closed; OTP 25,
   * checked with erl, scenarios/regressions/
   * emsgsize-twice-exit-on-close-set-between.scn). */
  if (!s->closed_msg)
    wr_sock_post_(s, WR_MSG_TCP_CLOSED, 0, NULL, 0);
  wr_stream_discard(&s->rx);
  if (error == WR_EMSGSIZE && !s->exit_on_close) {
    /* OTP 25: the bad bytes are dropped and the connection goes on, sends
     * work; but nothing more is delivered until a setopts arms the socket
     * again (active false then true, once, N; setting true on a socket
     * that is true does not), and that tcp_closed was the only one: a
     * later peer close posts nothing (semantics §4.3, checked with erl;
     * scenarios/regressions/emsgsize-active-exit-on-close-false-pause.scn).
     * What arrives meanwhile is read into the buffer and delivered once
     * armed, as inet_drv would read it then. */
    s->closed_msg = 1;
    s->paused = 1;
    wr_sock_watch_(s);
    return;
  }
  s->closed_msg = 1;
  s->rd_done = 1;
  /* The end read as a close (a FIN, or a reset not shown): inet_drv's
   * tcp_recv_closed has the next send say closed. */
  if (!error && !s->busy)
    s->dcs = 1;
  if (s->exit_on_close) {
    wr_sock_close_port_(s, 0);
    return;
  }
  /* Only the read side closes: the descriptor stays, and a reset is
   * reported once -- reads from now on see the end. */
  s->rd_closed = 1;
  s->rd_reason = WR_CLOSED;
  wr_sock_watch_(s);
}

/* Big packets are handed to their message without a copy, as inet_drv
 * hands a packet that fills most of its buffer the buffer's binary: the
 * message keeps the receive storage (wr_stream_hold). A packet must be an
 * eighth of the storage at least, so a kept message never pins more than
 * eight times its size (a read-ahead's storage holds eight 16 KiB
 * packets); smaller ones are copied, which is cheap. */
#define HOLD_MIN 1024u
#define HOLD_SHARE 8u

/* Where the parsed line goes in a message buffer: after the line bytes,
 * aligned for the struct. */
static size_t http_at(size_t len) {
  size_t a = _Alignof(wr_http_packet);
  return (len + a - 1) / a * a;
}

/* An http message: the line and its parse in one buffer, the spans moved
 * from the receive buffer into the message's copy of the line. The stream
 * parsed the line when it framed it (the line's length depends on it), so
 * the message carries that parse on instead of leaving it to be redone. */
static int post_http(wr_sock *s, const wr_stream_packet *p) {
  size_t len = p->data.len, at = http_at(len);
  uint8_t *buf = wr_msgbuf_get_(s->env, at + sizeof(wr_http_packet));
  if (!buf)
    return out_of_memory(s, WR_ENOMEM);
  if (len)
    memcpy(buf, p->data.ptr, len);
  wr_http_packet *h = (wr_http_packet *)(void *)(buf + at);
  *h = p->http;
  wr_http_packet_move(h, buf);
  wr_msg m = {.kind = WR_MSG_HTTP,
              .sock = s,
              .data = buf,
              .len = len,
              .http = h,
              .http_bin = wr_packet_type_is_http_bin(s->rx.type)};
  int rc = wr_mailbox_push_(s->owner, &m);
  if (rc)
    wr_msg_free(&m);
  return rc;
}

static int post_packet(wr_sock *s, const wr_stream_packet *p) {
  const uint8_t *lo = s->rx.buf, *ptr = p->data.ptr;
  size_t len = p->data.len;
  if (p->is_http)
    return post_http(s, p);
  if (len >= HOLD_MIN && len >= s->rx.alloc / HOLD_SHARE && lo && ptr >= lo &&
      len <= s->rx.alloc - (size_t)(ptr - lo)) {
    wr_msg m = {.kind = WR_MSG_TCP,
                .sock = s,
                .data = (uint8_t *)(uintptr_t)ptr,
                .len = len};
    m.hold_ = wr_stream_hold(&s->rx);
    int rc = wr_mailbox_push_(s->owner, &m);
    if (rc)
      wr_msg_free(&m);
    return rc;
  }
  return wr_mailbox_push_copy_(s->owner, s, ptr, len);
}

/* Can the delivery loop go on? Checked before every packet. */
static int delivering(const wr_sock *s) {
  return s->active != WR_ACTIVE_FALSE && !s->port_closed && !s->paused &&
         !s->rd_closed && s->env->hit.kind == WR_SOCK_LIMIT_NONE;
}

/* Counts one delivered packet against active once / N. */
static void count_active(wr_sock *s) {
  if (s->active == WR_ACTIVE_ONCE) {
#ifndef WR_SOCK_PLANTED_ONCE_STAYS
    s->active = WR_ACTIVE_FALSE;
#endif
  } else if (s->active == WR_ACTIVE_N && --s->count == 0) {
    s->active = WR_ACTIVE_FALSE;
    wr_sock_post_(s, WR_MSG_TCP_PASSIVE, 0, NULL, 0);
  }
}

/* Packets framed per wr_stream_peek call in active true. */
#define DELIVER_BATCH 32

/* Delivers what wr_stream_peek frames in one call (wr_frame_batch), each
 * packet taken out of the stream just before it is posted, as
 * wr_stream_next would, and the loop's conditions checked before each one
 * (that is what stops active once / N at its budget and a pass at a
 * harness limit; the batch is also sized to the budget so as not to frame
 * packets that stay): the messages, their order and the stream left behind
 * are those of the one-at-a-time loop. Returns the packets delivered;
 * *all_framed says the batch framed fewer than it could take, so that
 * framing again finds no packet until more bytes come. */
static int deliver_batch(wr_sock *s, int *all_framed) {
  wr_frame fb[DELIVER_BATCH];
  size_t max = DELIVER_BATCH;
  if (s->active == WR_ACTIVE_ONCE)
    max = 1;
  else if (s->active == WR_ACTIVE_N && s->count > 0 && (size_t)s->count < max)
    max = (size_t)s->count;
  size_t k = wr_stream_peek(&s->rx, fb, max);
  *all_framed = k < max;
  int n = 0;
  for (size_t i = 0; i < k && delivering(s); i++) {
    wr_stream_packet p;
    p.data = fb[i].packet;
    p.is_http = 0;
    wr_stream_skip(&s->rx, fb[i].consumed);
    post_packet(s, &p);
    n++;
    count_active(s);
  }
  return n;
}

void wr_sock_deliver_(wr_sock *s) {
  int delivered = 0;
  while (delivering(s)) {
    int all_framed;
    int b = deliver_batch(s, &all_framed);
    if (b > 0) {
      delivered += b;
      /* A short batch stopped where wr_stream_next decides what follows
       * (more bytes needed, or an error): go there without a second
       * batch that would frame nothing. */
      if (!all_framed)
        continue;
      if (!delivering(s))
        break;
    }
    wr_stream_packet p;
    int r = wr_stream_next(&s->rx, &p);
    if (r == WR_FRAME_PACKET) {
      post_packet(s, &p);
      delivered++;
      count_active(s);
      continue;
    }
    if (r == WR_FRAME_MORE) {
      if (s->rd_done && !s->closed_msg) {
        int reason = close_reason(s);
        report_close_active(s, reason == WR_ECONNRESET ? reason : 0);
      } else if (s->rd_done) {
        /* The end again after a re-arm: tcp_closed went once per port, so
         * only the partial packet goes and the read side closes again. */
        wr_stream_discard(&s->rx);
        s->rd_closed = 1;
        if (!s->busy)
          s->dcs = 1;
      }
      break;
    }
    /* A framing error found after packets of the same pass is left in the
     * buffer until the next input event (the deferred-error quirk). */
    if (delivered == 0)
      report_close_active(s, WR_EMSGSIZE);
    break;
  }
  wr_sock_watch_(s);
}

void wr_sock_armed_(wr_sock *s, int rearm, int active_set) {
  if (s->port_closed)
    return;
  if (s->fd_closed) {
    /* inet_drv: an active setting on a closed descriptor posts what is
     * owed -- a reset a send met, then tcp_closed (once per port) -- and
     * with exit_on_close the port goes. */
    if (!active_set)
      return;
    wr_sock_post_closed_(s, s->der);
    s->der = 0;
    if (s->exit_on_close)
      wr_sock_close_port_(s, 0);
    return;
  }
  if (rearm && s->rd_closed) {
    /* exit_on_close false, the read side reported closed: a new active
     * mode reads the connection again. After shutdown(read) Linux still
     * takes data in, so it may be delivered, then the close again (a
     * passive recv's close was not a message yet: tcp_closed follows the
     * data). Semantics §4.3, §5.4; checked with erl. */
    s->rd_closed = 0;
    if (s->h >= 0)
      s->rd_done = 0;
  }
  if (s->rd_closed && !s->closed_msg) {
    /* The close was seen by a passive recv: becoming active reports it. */
    report_close_active(s, 0);
    return;
  }
  if (s->fd_closed)
    return;
  wr_sock_deliver_(s);
}

#define READS_PER_EVENT 16

void wr_sock_input_(wr_sock *s, uint32_t events) {
  if (s->port_closed || s->h < 0)
    return;
  if (s->env->hit.kind != WR_SOCK_LIMIT_NONE)
    return; /* a harness limit was met: the run ends, nothing more is read */
  if (s->in_recv)
    return; /* the waiting recv reads for itself */
  if (s->active == WR_ACTIVE_FALSE || s->rd_done) {
    /* Not reading: only a queue being written made this event come (the
     * socket is quiet otherwise, sock_env.c wr_sock_watch_); the write
     * meets the end and reports it. */
    if ((events & (WR_EV_HUP | WR_EV_ERR)) && s->qlen)
      wr_sock_flush_(s);
    return;
  }
  if (s->rx.error) {
    /* The deferred framing error shows on this input event. */
    report_close_active(s, WR_EMSGSIZE);
    return;
  }
  /* One read and one delivery pass per round, as inet_drv per input
   * event; a few rounds per event (newer OTP reads repeatedly too, see
   * semantics §7) save a poll per read without changing what a pass
   * sees: the framing, the message sizes and the deferred error are
   * decided per read exactly as before. */
  for (int round = 0; round < READS_PER_EVENT; round++) {
    size_t asked = 0;
    long n = s->active == WR_ACTIVE_TRUE || s->paused ? read_ahead(s, &asked)
                                                      : read_some(s, 0, &asked);
    if (n == WR_EAGAIN) {
      /* Nothing read: the kernel is empty, or the buffer is full of what
       * may be packets by now. Deliver them: the input stays ready while
       * the kernel holds bytes, and would come back at once forever. */
      wr_sock_deliver_(s);
      return;
    }
    if (n == WR_ENOMEM)
      return; /* the harness's limit, met (out_of_memory): no end of stream */
#ifndef WR_SOCK_PLANTED_EOF_UNSEEN
    if (n <= 0)
#else
    if (n < 0)
#endif
      saw_end(s, n);
    wr_sock_deliver_(s);
    if (n <= 0 || s->port_closed || s->h < 0 || s->rx.error ||
        s->active == WR_ACTIVE_FALSE)
      return;
    /* A short read took all the transport had: another round would only
     * meet EAGAIN -- unless the end or an error waits behind the data,
     * which the readiness shows and the next round must read in this
     * pass, before other sockets' events (their order in a mailbox). */
    if ((size_t)n < asked &&
        !(wr_net_readiness(s->env->net, s->h) &
          (WR_EV_IN | WR_EV_RDHUP | WR_EV_HUP | WR_EV_ERR)))
      return;
  }
}

void wr_sock_fail_io_(wr_sock *s, int err) {
  /* A write from the queue: the send blocked on it, if any, is answered. */
  wr_sock_send_failed_(s, err, s->busy);
}

/* ---- passive recv -------------------------------------------------------- */

void wr_sock_data_free(wr_sock_data *d) {
  if (!d)
    return;
  free(d->data);
  memset(d, 0, sizeof *d);
}

static int give(wr_sock *s, wr_sock_data *out, const wr_stream_packet *p) {
  size_t n = p->data.len;
  out->data = malloc(n ? n : 1);
  if (!out->data)
    return out_of_memory(s, WR_ENOMEM);
  if (n)
    memcpy(out->data, p->data.ptr, n);
  out->len = n;
  out->is_http = p->is_http;
  if (p->is_http) {
    /* The stream's parse, moved into the copy (see post_http). */
    out->http = p->http;
    wr_http_packet_move(&out->http, out->data);
    out->http_bin = wr_packet_type_is_http_bin(s->rx.type);
  }
  return 1;
}

/* One packet from the buffer: 1 taken, 0 need more, or WR_EMSGSIZE. */
static int try_take(wr_sock *s, size_t length, wr_sock_data *out) {
  if (length) {
    if (wr_stream_buffered(&s->rx) < length)
      return 0;
    out->data = malloc(length);
    if (!out->data)
      return out_of_memory(s, WR_ENOMEM);
    out->len = wr_stream_take(&s->rx, out->data, length);
    out->is_http = 0;
    return 1;
  }
  wr_stream_packet p;
  int r = wr_stream_next(&s->rx, &p);
  if (r == WR_FRAME_PACKET)
    return give(s, out, &p);
  if (r == WR_FRAME_MORE)
    return 0;
  return r;
}

/* Passive: the close is returned once; with exit_on_close the descriptor
 * closes (later recv -> enotconn, the first send -> closed). */
static int report_close_passive(wr_sock *s, int reason) {
  wr_stream_discard(&s->rx);
  if (reason == WR_EMSGSIZE && !s->exit_on_close) {
    /* OTP 25: the bad bytes are dropped and the socket reads on. */
    wr_sock_watch_(s);
    return reason;
  }
  /* tcp_recv_closed (a FIN, or a reset not shown): the next send says
   * closed; tcp_recv_error (a reset shown, a framing error) does not. */
  if (reason == WR_CLOSED && !s->busy)
    s->dcs = 1;
  if (reason == WR_EMSGSIZE || s->exit_on_close) {
    wr_sock_desc_close_(s);
    return reason;
  }
  /* exit_on_close false: only the read side closes; a reset is reported
   * once, reads from now on see the end (semantics §4.3). */
  s->rd_closed = 1;
  s->rd_reason = WR_CLOSED;
  wr_sock_watch_(s);
  return reason;
}

/* A passive recv in progress: what it asked for and, once it has its
 * answer, the result. */
typedef struct recv_call {
  wr_sock *s;
  size_t length;
  wr_sock_data *out;
  int rc;
} recv_call;

/* One look for a passive recv (the condition of its wait): a packet from
 * the buffer, the end of the stream, or reads from the transport until one
 * would block. Nonzero when the recv has its answer in rc. */
static int recv_ready(void *ctx) {
  recv_call *r = ctx;
  wr_sock *s = r->s;
  for (;;) {
    int rc = try_take(s, r->length, r->out);
    if (rc == 1) {
      r->rc = 0;
      return 1;
    }
    if (rc < 0) {
      r->rc = rc == WR_EMSGSIZE ? report_close_passive(s, WR_EMSGSIZE) : rc;
      return 1;
    }
    if (s->rd_done) {
      /* Complete packets went first; a partial one is dropped. */
      r->rc = report_close_passive(s, close_reason(s));
      return 1;
    }
    if (s->h < 0)
      return 0;
    size_t have = wr_stream_buffered(&s->rx), asked;
    long n = read_some(s, r->length > have ? r->length - have : 0, &asked);
    if (n > 0)
      continue;
    if (n == WR_EAGAIN)
      return 0;
    if (n == WR_ENOMEM) {
      r->rc = (int)n;
      return 1;
    }
    saw_end(s, n);
  }
}

int wr_sock_recv(wr_sock *s, size_t length, long timeout_ms,
                 wr_sock_data *out) {
  if (!s || !out)
    return WR_EINVAL;
  memset(out, 0, sizeof *out);
  if (s->port_closed)
    return WR_CLOSED;
  if (s->listener || s->connecting)
    return WR_ENOTCONN;
  if (s->fd_closed) {
    /* Not connected comes first, as in inet_drv; a close a send met is
     * said once more (TCP_ADDF_DELAYED_CLOSE_RECV). */
    if (!s->dcr)
      return WR_ENOTCONN;
    s->dcr = s->dcs = 0;
    if (s->der) {
      s->der = 0;
      return WR_ECONNRESET;
    }
    return WR_CLOSED;
  }
  if (s->active != WR_ACTIVE_FALSE)
    return WR_EINVAL;
  if (length && s->packet != WR_PACKET_RAW)
    return WR_EINVAL;
  if (length > WR_SOCK_MAX_RECV)
    return WR_ENOMEM;
  if (s->rd_closed) {
    /* exit_on_close false and the close already reported: recv reads the
     * connection again, as inet_drv does. A peer's FIN gives closed again;
     * after shutdown(read) data that came in since is returned (semantics
     * §5.4, checked with erl). */
    s->rd_closed = 0;
    if (s->h >= 0)
      s->rd_done = 0;
  }
  wr_time deadline = wr_sock_deadline_(s->env, timeout_ms);
  recv_call r = {s, length, out, 0};
  s->in_recv = 1;
  wr_sock_watch_(s);
  int rc = wr_sock_wait_(s->env, deadline, recv_ready, &r);
  if (rc == 0)
    rc = r.rc;
  s->in_recv = 0;
  wr_sock_watch_(s);
  return rc;
}
