/* The mailbox of a controlling process: a FIFO of messages (mailbox.h). */
#include <stdlib.h>
#include <string.h>

#include "sock_int.h"

static const char *const kind_names[] = {"tcp", "http", "tcp_closed",
                                         "tcp_error", "tcp_passive"};

const char *wr_msg_kind_name(wr_msg_kind kind) {
  if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
    return "?";
  return kind_names[kind];
}

void wr_msg_free(wr_msg *m) {
  if (!m)
    return;
  free(m->data);
  m->data = NULL;
  m->len = 0;
}

size_t wr_mailbox_len(const wr_mailbox *mb) { return mb ? mb->len : 0; }
size_t wr_mailbox_bytes(const wr_mailbox *mb) { return mb ? mb->bytes : 0; }
size_t wr_mailbox_peak(const wr_mailbox *mb) { return mb ? mb->peak : 0; }

int wr_mailbox_push_(wr_mailbox *mb, const wr_msg *m) {
  if (mb->len == mb->cap) {
    size_t cap = mb->cap ? mb->cap * 2 : 16;
    wr_msg *p = malloc(cap * sizeof *p);
    if (!p)
      return WR_ENOMEM;
    for (size_t i = 0; i < mb->len; i++)
      p[i] = mb->msgs[(mb->head + i) % mb->cap];
    free(mb->msgs);
    mb->msgs = p;
    mb->cap = cap;
    mb->head = 0;
  }
  mb->msgs[(mb->head + mb->len) % mb->cap] = *m;
  mb->len++;
  mb->bytes += m->len;
  if (mb->len > mb->peak)
    mb->peak = mb->len;
  return 0;
}

int wr_mailbox_take(wr_mailbox *mb, wr_msg *out) {
  if (!mb || !out)
    return WR_EINVAL;
  if (!mb->len)
    return WR_EAGAIN;
  *out = mb->msgs[mb->head];
  mb->head = (mb->head + 1) % mb->cap;
  mb->len--;
  mb->bytes -= out->len;
  return 0;
}

int wr_mailbox_move_(wr_mailbox *from, wr_mailbox *to, const wr_sock *s) {
  if (from == to)
    return 0;
  /* Keep the others in place, in order: rebuild `from` in one pass. */
  size_t n = from->len, kept = 0;
  for (size_t i = 0; i < n; i++) {
    wr_msg m = from->msgs[(from->head + i) % from->cap];
    if (m.sock == s) {
      from->bytes -= m.len;
      if (wr_mailbox_push_(to, &m) != 0)
        return WR_ENOMEM; /* cannot happen before the first move fails */
    } else {
      from->msgs[(from->head + kept) % from->cap] = m;
      kept++;
    }
  }
  from->len = kept;
  return 0;
}

void wr_mailbox_free_(wr_mailbox *mb) {
  wr_msg m;
  while (wr_mailbox_take(mb, &m) == 0)
    wr_msg_free(&m);
  free(mb->msgs);
  free(mb);
}
