/* Socket options of the gen_tcp model: applying a list as inet:setopts
 * does, and reading them back (sock.h, sockopt.h). */
#include "sock_int.h"

/* A kernel option, kept for wr_sock_push_net_: inet sends its value as 32
 * bits (4294967296 arrives as 0). */
static void net_opt(wr_sock *s, wr_net_sockopt which, int64_t v) {
  s->net_pending |= 1u << which;
  s->net_set |= 1u << which;
  s->net_val[which] = (int)(int32_t)(uint32_t)(uint64_t)v;
}

/* Applies one checked option (semantics §4.1, §5.1, §5.2). */
static int apply_opt(wr_sock *s, const wr_sockopt *o, int *armed) {
  switch (o->name) {
  case WR_OPT_ACTIVE:
    if (o->value == WR_ACTIVE_N) {
      /* Added to the counter when already counting, else from 0; the sum
       * must stay in 16 bits; <= 0 turns passive with tcp_passive. */
      int64_t base = s->active == WR_ACTIVE_N ? s->count : 0;
      int64_t sum = base + o->value2;
      if (sum < -32768 || sum > 32767)
        return WR_EINVAL;
      if (sum <= 0) {
        s->active = WR_ACTIVE_FALSE;
        s->count = 0;
        /* A listener posts it too, to its owner, as OTP 25 does for
         * listen(0, [{active,0}]) and a setopts bringing N to 0
         * (scenarios/active/listen-active-zero-passive.scn). */
        wr_sock_post_(s, WR_MSG_TCP_PASSIVE, 0, NULL, 0);
        return 0;
      }
      s->active = WR_ACTIVE_N;
      s->count = (int)sum;
    } else {
      s->active = (int)o->value;
      s->count = 0;
    }
    if (s->active != WR_ACTIVE_FALSE)
      *armed = 1;
    return 0;
  case WR_OPT_PACKET:
    s->packet = (wr_packet_type)o->value;
    wr_stream_set_type(&s->rx, s->packet);
    return 0;
  case WR_OPT_PACKET_SIZE:
    s->packet_size = (uint32_t)o->value; /* modulo 2^32, as the driver */
    wr_stream_set_packet_size(&s->rx, s->packet_size);
    return 0;
  case WR_OPT_LINE_DELIMITER:
    s->delimiter = (uint8_t)o->value;
    wr_stream_set_delimiter(&s->rx, s->delimiter);
    return 0;
  case WR_OPT_BUFFER: {
    /* A 32-bit signed value in the driver: < 1 (and >= 2^31) become 1. */
    int32_t v = (int32_t)(uint32_t)o->value;
    s->buffer = v < 1 ? 1 : v;
    s->buffer_user = 1;
    wr_stream_set_buffer(&s->rx, (uint32_t)s->buffer);
    return 0;
  }
  case WR_OPT_RECBUF: {
    /* recbuf raises buffer to its value until buffer is set by the user
     * (semantics §5.1; experiment: recbuf 100000 gives buffer 100000,
     * after buffer 300 it leaves 300, recbuf 1000 leaves 1460). */
    int32_t v = (int32_t)(uint32_t)o->value;
    if (!s->buffer_user && v > s->buffer) {
      s->buffer = v;
      wr_stream_set_buffer(&s->rx, (uint32_t)s->buffer);
    }
    net_opt(s, WR_NET_SO_RCVBUF, o->value);
    return 0;
  }
  case WR_OPT_SNDBUF:
    net_opt(s, WR_NET_SO_SNDBUF, o->value);
    return 0;
  case WR_OPT_PRIORITY:
    net_opt(s, WR_NET_SO_PRIORITY, o->value);
    return 0;
  case WR_OPT_TOS:
    net_opt(s, WR_NET_IP_TOS, o->value);
    return 0;
  case WR_OPT_HEADER:
    s->header = (uint32_t)o->value;
    return 0;
  case WR_OPT_EXIT_ON_CLOSE:
    s->exit_on_close = (int)o->value;
    return 0;
  case WR_OPT_SHOW_ECONNRESET:
    s->show_econnreset = (int)o->value;
    return 0;
  case WR_OPT_SEND_TIMEOUT:
    s->send_timeout = o->value;
    return 0;
  case WR_OPT_SEND_TIMEOUT_CLOSE:
    s->send_timeout_close = (int)o->value;
    return 0;
  case WR_OPT_HIGH_WATERMARK: {
    /* low <= high is kept by dragging low down. */
    uint32_t v = o->value < 0 ? 0 : (uint32_t)o->value;
    s->high = v;
    if (s->low > v)
      s->low = v;
    return 0;
  }
  case WR_OPT_LOW_WATERMARK: {
    uint32_t v = o->value < 0 ? 0 : (uint32_t)o->value;
    s->low = v;
    if (s->high < v)
      s->high = v;
    return 0;
  }
  case WR_OPT_DELAY_SEND:
    s->delay_send = (int)o->value;
    return 0;
  case WR_OPT_NODELAY:
    s->nodelay = (int)o->value;
    net_opt(s, WR_NET_TCP_NODELAY, o->value);
    return 0;
  case WR_OPT_LINGER:
    s->linger_on = (int)o->value;
    s->linger_s = o->value2;
    return 0;
  case WR_OPT_REUSEADDR:
    s->reuseaddr = (int)o->value;
    return 0;
  case WR_OPT_BACKLOG:
    s->backlog = (int)o->value;
    return 0;
  default:
    return WR_EINVAL;
  }
}

/* An entry of a listen or connect list that a later entry of the same
 * option overrides. */
static int overridden(const wr_sockopt *opts, size_t n, size_t i) {
  for (size_t j = i + 1; j < n; j++)
    if (opts[j].name == opts[i].name)
      return 1;
  return 0;
}

/* Checks and applies a list as inet:setopts does: the driver receives the
 * list reversed, so the last element is applied first and the first
 * occurrence of an option is the one that stays. gen_tcp:listen and
 * gen_tcp:connect first keep only the LAST occurrence of each option, then
 * hand the driver the rest the same way (semantics §5.2, "Order"): their
 * [{active,false},{active,true}] is active true, their
 * [{active,2},{active,3}] a counter of 3, not 5. Values are checked before
 * anything is applied; an active counter overflow stops there. */
int wr_sock_apply_list_(wr_sock *s, const wr_sockopt *opts, size_t n,
                        wr_sock_list_kind kind) {
  if (n && !opts)
    return WR_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (wr_sockopt_check(&opts[i], NULL, 0) != 0)
      return WR_EINVAL;
    if (opts[i].name == WR_OPT_BACKLOG && kind != WR_SOCK_LIST_LISTEN)
      return WR_EINVAL; /* a listen option only */
  }
  int armed = 0, was = s->active, active_set = 0;
  for (size_t i = n; i-- > 0;) {
    if (kind != WR_SOCK_LIST_SETOPTS && overridden(opts, n, i))
      continue;
    int rc = apply_opt(s, &opts[i], &armed);
    if (rc)
      return rc;
    active_set |= opts[i].name == WR_OPT_ACTIVE;
    /* New framing on an active socket delivers what the buffer now holds
     * at once: OTP 25 posts the bytes of a partial http line as soon as
     * setopts makes the socket raw (checked with erl; before, they sat in
     * a full buffer that no input event emptied, a livelock found by
     * stateful_model, scenarios/regressions/setopts-framing-delivers.scn). */
    wr_sockopt_name o = opts[i].name;
    if (s->active != WR_ACTIVE_FALSE &&
        (o == WR_OPT_PACKET || o == WR_OPT_PACKET_SIZE || o == WR_OPT_BUFFER ||
         o == WR_OPT_LINE_DELIMITER))
      armed = 1;
  }
  /* inet_drv selects the socket for reading again only when the list
   * changed the active mode: a socket paused by a framing error, or
   * read-closed after tcp_closed, resumes on false -> once, true -> 3,
   * once -> true..., but not on true -> true, once -> once, N -> M or a
   * new packet type (semantics §4.3, checked with erl;
   * scenarios/regressions/rearm-*.scn). */
  int rearm = s->active != WR_ACTIVE_FALSE && s->active != was;
  active_set = active_set && s->active != WR_ACTIVE_FALSE;
  if (rearm)
    s->paused = 0;
  if (armed && !s->listener && !s->connecting)
    wr_sock_armed_(s, rearm, active_set);
  wr_sock_watch_(s);
  return wr_sock_push_net_(s);
}

int wr_sock_push_net_(wr_sock *s) {
  if (s->h < 0)
    return 0; /* listen and connect push them once the handle exists */
  for (int o = WR_NET_SO_SNDBUF; o <= WR_NET_TCP_NODELAY; o++) {
    if (!(s->net_pending & (1u << o)))
      continue;
    s->net_pending &= ~(1u << o);
    /* Linux resets SO_PRIORITY from the TOS bits on IP_TOS; inet's driver
     * puts the priority back, so tos never changes priority (experiment:
     * setopts priority 3, then tos 16: priority still reads 3). */
    int prio = 0, keep = o == WR_NET_IP_TOS &&
                         wr_net_get_sockopt(s->env->net, s->h,
                                            WR_NET_SO_PRIORITY, &prio) == 0;
    int rc =
        wr_net_set_sockopt(s->env->net, s->h, (wr_net_sockopt)o, s->net_val[o]);
    if (rc == 0 && keep)
      rc = wr_net_set_sockopt(s->env->net, s->h, WR_NET_SO_PRIORITY, prio);
    /* A transport without kernel options keeps the model's values; a
     * kernel that refuses (EPERM for a priority above 6 without
     * CAP_NET_ADMIN) is setopts' answer, as inet's. */
    if (rc < 0 && rc != WR_ENOTSUP)
      return rc;
  }
  return 0;
}

/* getopts of a kernel option reads the kernel's (or simnet's) answer; a
 * transport without them answers with the value last set. */
static int get_net(wr_sock *s, wr_net_sockopt which, int64_t *out) {
  int v = 0;
  int rc =
      s->h >= 0 ? wr_net_get_sockopt(s->env->net, s->h, which, &v) : WR_ENOTSUP;
  if (rc == WR_ENOTSUP) {
    *out = s->net_val[which];
    return 0;
  }
  if (rc < 0)
    return rc;
  *out = v;
  return 0;
}

int wr_sock_setopts(wr_sock *s, const wr_sockopt *opts, size_t n) {
  if (!s || s->port_closed)
    return WR_EINVAL; /* inet:setopts on a closed port */
  return wr_sock_apply_list_(s, opts, n, WR_SOCK_LIST_SETOPTS);
}

int wr_sock_getopt(wr_sock *s, wr_sockopt *o) {
  if (!s || !o || s->port_closed)
    return WR_EINVAL;
  o->value2 = 0;
  switch (o->name) {
  case WR_OPT_ACTIVE:
    o->value = s->active;
    o->value2 = s->active == WR_ACTIVE_N ? s->count : 0;
    return 0;
  case WR_OPT_PACKET:
    o->value = s->packet;
    return 0;
  case WR_OPT_PACKET_SIZE:
    o->value = s->packet_size;
    return 0;
  case WR_OPT_BUFFER:
    o->value = s->buffer;
    return 0;
  case WR_OPT_HEADER:
    o->value = s->header;
    return 0;
  case WR_OPT_EXIT_ON_CLOSE:
    o->value = s->exit_on_close;
    return 0;
  case WR_OPT_SHOW_ECONNRESET:
    o->value = s->show_econnreset;
    return 0;
  case WR_OPT_SEND_TIMEOUT:
    o->value = s->send_timeout;
    return 0;
  case WR_OPT_SEND_TIMEOUT_CLOSE:
    o->value = s->send_timeout_close;
    return 0;
  case WR_OPT_HIGH_WATERMARK:
    o->value = s->high;
    return 0;
  case WR_OPT_LOW_WATERMARK:
    o->value = s->low;
    return 0;
  case WR_OPT_DELAY_SEND:
    o->value = s->delay_send;
    return 0;
  case WR_OPT_NODELAY:
    o->value = s->nodelay;
    return 0;
  case WR_OPT_LINGER:
    o->value = s->linger_on;
    o->value2 = s->linger_s;
    return 0;
  case WR_OPT_REUSEADDR:
    o->value = s->reuseaddr;
    return 0;
  case WR_OPT_SNDBUF:
    return get_net(s, WR_NET_SO_SNDBUF, &o->value);
  case WR_OPT_RECBUF:
    return get_net(s, WR_NET_SO_RCVBUF, &o->value);
  case WR_OPT_PRIORITY:
    return get_net(s, WR_NET_SO_PRIORITY, &o->value);
  case WR_OPT_TOS:
    return get_net(s, WR_NET_IP_TOS, &o->value);
  default:
    /* line_delimiter is write-only in inet_drv; backlog is not readable. */
    return WR_EINVAL;
  }
}
