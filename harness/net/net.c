/* The transport-independent half of net.h: the handle table the wrappers
 * share, addresses, and the run loop. */
#include "wirerig/net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wr_net_base_init_(wr_net *n, const wr_net_ops *ops) {
  memset(n, 0, sizeof *n);
  if (!ops || ops->version != WR_NET_OPS_VERSION)
    return WR_EINVAL;
  n->ops = ops;
  return 0;
}

void wr_net_base_free_(wr_net *n) {
  free(n->slots);
  n->slots = NULL;
  n->nslots = n->cap = n->lowest_free = n->live = 0;
}

/* Lowest free handle, as POSIX allocates descriptors: handle numbers are
 * then a function of the sequence of calls alone, which keeps simulated
 * runs reproducible and makes them line up with loopback runs. */
int wr_net_slot_alloc_(wr_net *n, wr_slot_kind kind) {
  int h = n->lowest_free;
  while (h < n->nslots && n->slots[h].kind != WR_SLOT_FREE)
    h++;
  if (h == n->nslots) {
    if (n->nslots == n->cap) {
      if (n->cap >= (1 << 28))
        return WR_ENOMEM;
      int cap = n->cap ? n->cap * 2 : 16;
      wr_net_slot *s = realloc(n->slots, (size_t)cap * sizeof *s);
      if (!s)
        return WR_ENOMEM;
      n->slots = s;
      n->cap = cap;
    }
    n->nslots++;
  }
  memset(&n->slots[h], 0, sizeof n->slots[h]);
  n->slots[h].kind = (uint8_t)kind;
  n->lowest_free = h + 1;
  n->live++;
  return h;
}

void wr_net_slot_free_(wr_net *n, int h) {
  if (h < 0 || h >= n->nslots || n->slots[h].kind == WR_SLOT_FREE)
    return;
  n->slots[h].kind = WR_SLOT_FREE;
  n->live--;
  if (h < n->lowest_free)
    n->lowest_free = h;
  while (n->nslots > 0 && n->slots[n->nslots - 1].kind == WR_SLOT_FREE)
    n->nslots--;
  if (n->lowest_free > n->nslots)
    n->lowest_free = n->nslots;
}

wr_addr wr_addr_loopback4(uint16_t port) {
  wr_addr a;
  memset(&a, 0, sizeof a);
  a.family = 4;
  a.port = port;
  a.ip[0] = 127;
  a.ip[3] = 1;
  return a;
}

wr_addr wr_addr_loopback6(uint16_t port) {
  wr_addr a;
  memset(&a, 0, sizeof a);
  a.family = 6;
  a.port = port;
  a.ip[15] = 1;
  return a;
}

int wr_addr_is_loopback(const wr_addr *a) {
  if (a->family == 4)
    return a->ip[0] == 127;
  if (a->family == 6) {
    static const uint8_t one[16] = {[15] = 1};
    return memcmp(a->ip, one, 16) == 0;
  }
  return 0;
}

static int addr_err(char *err, size_t errlen, const char *text,
                    const char *why) {
  if (err && errlen)
    snprintf(err, errlen, "address '%s': %s", text, why);
  return WR_EINVAL;
}

int wr_addr_parse(const char *text, wr_addr *out, char *err, size_t errlen) {
  if (!text || !out)
    return addr_err(err, errlen, "(null)", "no address given");
  char host[64];
  const char *port = NULL;
  size_t hl;
  wr_addr a;
  memset(&a, 0, sizeof a);
  if (text[0] == '[') {
    const char *end = strchr(text, ']');
    if (!end)
      return addr_err(err, errlen, text, "expected ']' after an IPv6 address");
    hl = (size_t)(end - text - 1);
    if (hl >= sizeof host)
      return addr_err(err, errlen, text, "address too long");
    memcpy(host, text + 1, hl);
    host[hl] = 0;
    if (end[1] == ':')
      port = end + 2;
    else if (end[1])
      return addr_err(err, errlen, text, "expected ':PORT' after ']'");
    a.family = 6;
  } else {
    const char *colon = strchr(text, ':');
    if (colon && strchr(colon + 1, ':')) { /* bare IPv6, no port */
      hl = strlen(text);
      a.family = 6;
    } else {
      hl = colon ? (size_t)(colon - text) : strlen(text);
      port = colon ? colon + 1 : NULL;
      a.family = 4;
    }
    if (hl >= sizeof host)
      return addr_err(err, errlen, text, "address too long");
    memcpy(host, text, hl);
    host[hl] = 0;
  }
  if (inet_pton(a.family == 4 ? AF_INET : AF_INET6, host, a.ip) != 1)
    return addr_err(err, errlen, text,
                    a.family == 4 ? "expected an IPv4 address like 127.0.0.1"
                                  : "expected an IPv6 address like ::1");
  if (port) {
    unsigned long v = 0;
    if (!*port)
      return addr_err(err, errlen, text, "expected a port after ':'");
    for (const char *p = port; *p; p++) {
      if (*p < '0' || *p > '9' || v > 65535)
        return addr_err(err, errlen, text, "port must be a number 0..65535");
      v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > 65535)
      return addr_err(err, errlen, text, "port must be a number 0..65535");
    a.port = (uint16_t)v;
  }
  *out = a;
  return 0;
}

int wr_addr_format(const wr_addr *a, char *buf, size_t len) {
  char host[INET6_ADDRSTRLEN];
  if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, host, sizeof host))
    snprintf(host, sizeof host, "?");
  if (a->family == 6)
    return snprintf(buf, len, "[%s]:%u", host, (unsigned)a->port);
  return snprintf(buf, len, "%s:%u", host, (unsigned)a->port);
}

const char *wr_addr_str(const wr_addr *a, char buf[WR_ADDR_STRLEN]) {
  wr_addr_format(a, buf, WR_ADDR_STRLEN);
  return buf;
}

int wr_addr_equal(const wr_addr *a, const wr_addr *b) {
  return a->family == b->family && a->port == b->port &&
         memcmp(a->ip, b->ip, 16) == 0;
}

const char *wr_net_events_str(uint32_t events, char *buf, size_t len) {
  static const char *names[] = {"IN", "OUT", "RDHUP", "HUP", "ERR", "TIMER"};
  size_t used = 0;
  if (!len)
    return buf;
  buf[0] = 0;
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!(events & (1u << i)))
      continue;
    int w = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", names[i]);
    if (w < 0 || (size_t)w >= len - used)
      break;
    used += (size_t)w;
  }
  if (!used)
    snprintf(buf, len, "-");
  return buf;
}

int wr_net_run(wr_net *n, wr_time deadline, wr_net_event_fn fn, void *ctx) {
  wr_net_event evs[64];
  for (;;) {
    if (deadline != WR_TIME_NEVER && wr_net_now(n) >= deadline)
      return 0;
    int k = wr_net_poll(n, evs, 64, deadline);
    if (k < 0)
      return k;
    if (k == 0)
      return 0; /* deadline reached, or a quiet simulated network */
    for (int i = 0; i < k; i++)
      if (fn(ctx, n, &evs[i]))
        return 1;
  }
}
