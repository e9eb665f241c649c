/* One direction of a TCP flow: segments in, ordered bytes and gaps out.
 *
 * The hot path is a segment that starts exactly where the stream stands with
 * nothing queued: its bytes are appended to a contiguous buffer, and every
 * flush_size bytes the sink is offered what waits. Segments ahead of a hole
 * go to a sorted list, indexed by offset (oindex.h) so that placing one
 * costs O(log n) however they arrive, until the hole fills or is declared a
 * gap. Bytes at
 * offsets already delivered are compared with the buffer's history (the
 * last bytes the sink took: 16 KiB, or 64 KiB once the direction has shown
 * retransmissions): equal means a retransmission, different means an
 * overlap, and the first copy stays either way.
 */
#include <stdlib.h>
#include <string.h>

#include "reasm_internal.h"

int64_t wr_tcpdir_offset(const tcp_dir *t, uint32_t seq) {
  uint32_t here = t->base + (uint32_t)t->next;
  return (int64_t)t->next + (int32_t)(seq - here);
}

static void fail_nomem(rflow *f) {
  if (!f->r->error)
    f->r->error = WR_ENOMEM;
}

/* Drops the pieces that describe bytes before buffer index `used`. */
static void trim_pieces(tcp_dir *t) {
  uint64_t upto = t->buf_off + t->used;
  size_t i = 0;
  while (i < t->npieces && t->pieces[i].offset + t->pieces[i].len <= upto)
    i++;
  if (i > 0) {
    memmove(t->pieces, t->pieces + i, (t->npieces - i) * sizeof *t->pieces);
    t->npieces -= i;
  }
  if (t->npieces > 0 && t->pieces[0].offset < upto) {
    uint32_t cut = (uint32_t)(upto - t->pieces[0].offset);
    t->pieces[0].offset += cut;
    t->pieces[0].len -= cut;
  }
}

/* Offers buf[used..len) to the sink. With `final`, whatever it leaves is
 * dropped (a gap or the end follows). */
static void offer(rflow *f, int dir, int final) {
  tcp_dir *t = &f->d[dir];
  wr_tcp_reasm *r = f->r;
  size_t avail = t->len - t->used;
  if (avail == 0)
    return;
  size_t k = avail;
  if (r->sink.data && !r->error) {
    wr_tcp_chunk c = {t->buf + t->used, avail, t->buf_off + t->used,  t->pieces,
                      t->npieces,       final, final ? &t->buf : NULL};
    k = r->sink.data(r->sink.ctx, &f->pub, dir, &c);
    /* The sink took the storage (wr_tcp_chunk_take): everything it held
     * is the sink's now, and the next bytes get new storage. Only final
     * chunks can be taken, so flush_final empties the buffer next and
     * nothing reads the old bytes again. */
    int taken = t->buf == NULL;
    if (taken)
      t->cap = 0;
    if (k == WR_TCP_SINK_ABORT) {
      r->error = WR_EIO;
      k = avail;
    } else if (k > avail || taken) {
      k = avail;
    }
  }
  if (final)
    k = avail;
  t->used += k;
  trim_pieces(t);
  /* What the sink left is offered again once it has doubled and another
   * flush_size arrived, not after every segment: a sink that keeps whole
   * streams, or waits for a large packet, is not asked quadratically. */
  t->flush_at = 2 * (avail - k) + r->flush;
}

void *wr_tcp_chunk_take(const wr_tcp_chunk *c) {
  if (!c || !c->storage_ || !*c->storage_)
    return NULL;
  uint8_t *b = *c->storage_;
  *c->storage_ = NULL;
  return b;
}

/* Forgets all but the last `keep` bytes the sink already took. */
static void compact(wr_tcp_reasm *r, tcp_dir *t, size_t keep) {
  size_t from = t->used > keep ? t->used - keep : 0;
  if (from == 0)
    return;
  memmove(t->buf, t->buf + from, t->len - from);
  t->len -= from;
  r->held -= from;
  t->used -= from;
  t->buf_off += from;
}

/* Hands over the rest (final), reports bytes dropped to the cap, and
 * empties the buffer so that it can restart at a new offset. */
static void flush_final(rflow *f, int dir) {
  tcp_dir *t = &f->d[dir];
  wr_tcp_dir_stats *st = &f->pub.dir[dir];
  offer(f, dir, 1);
  if (t->dropping) {
    uint64_t at = t->buf_off + t->len;
    st->gaps++;
    st->gap_bytes += t->dropping;
    if (f->r->sink.gap && !f->skip)
      f->r->sink.gap(f->r->sink.ctx, &f->pub, dir, at, t->dropping, WR_GAP_CAP);
    t->dropping = 0;
  }
  t->buf_off = t->next;
  f->r->held -= t->len;
  t->len = t->used = 0;
  t->npieces = 0;
}

/* Bytes [next, next + len) are missing: report them and move past. */
static void gap(rflow *f, int dir, uint64_t len, wr_gap_reason reason) {
  tcp_dir *t = &f->d[dir];
  wr_tcp_dir_stats *st = &f->pub.dir[dir];
  if (len == 0)
    return;
  uint64_t at = t->next;
  flush_final(f, dir);
  st->gaps++;
  st->gap_bytes += len;
  if (f->r->sink.gap && !f->skip)
    f->r->sink.gap(f->r->sink.ctx, &f->pub, dir, at, len, reason);
  t->next = at + len;
  t->buf_off = t->next;
}

static int reserve(tcp_dir *t, size_t extra) {
  if (t->len + extra <= t->cap)
    return 0;
  size_t ncap = t->cap ? t->cap : 4096;
  while (ncap < t->len + extra)
    ncap *= 2;
  uint8_t *nb = realloc(t->buf, ncap);
  if (!nb)
    return WR_ENOMEM;
  t->buf = nb;
  t->cap = ncap;
  return 0;
}

static void append(rflow *f, int dir, const uint8_t *p, size_t n, int64_t ts) {
  tcp_dir *t = &f->d[dir];
  if (n == 0)
    return;
  if (reserve(t, n)) {
    fail_nomem(f);
    return;
  }
  if (t->npieces == t->pieces_cap) {
    size_t ncap = t->pieces_cap ? t->pieces_cap * 2 : 16;
    wr_tcp_piece *np = realloc(t->pieces, ncap * sizeof *np);
    if (!np) {
      fail_nomem(f);
      return;
    }
    t->pieces = np;
    t->pieces_cap = ncap;
  }
  memcpy(t->buf + t->len, p, n);
  t->pieces[t->npieces++] =
      (wr_tcp_piece){t->buf_off + t->len, (uint32_t)n, ts};
  t->len += n;
  f->r->held += n;
}

/* In-order bytes at t->next. */
static void deliver(rflow *f, int dir, const uint8_t *p, size_t n, int64_t ts) {
  tcp_dir *t = &f->d[dir];
  wr_tcp_dir_stats *st = &f->pub.dir[dir];
  wr_tcp_reasm *r = f->r;
  t->next += n;
  if (f->skip || r->error) {
    st->bytes += n;
    return;
  }
  if (t->dropping) { /* the buffer is full and the sink keeps it full */
    t->dropping += n;
    st->cap_dropped += n;
    return;
  }
  if (t->len + n + t->ooo_bytes > r->cap || r->held + n > r->total_cap) {
    offer(f, dir, 0);
    compact(r, t, 0); /* under pressure, history goes first */
  }
  size_t held = t->len + t->ooo_bytes;
  size_t room = r->cap > held ? r->cap - held : 0;
  size_t total_room = r->total_cap > r->held ? r->total_cap - r->held : 0;
  int by_total = total_room < room;
  if (by_total)
    room = total_room;
  size_t take = n < room ? n : room;
  append(f, dir, p, take, ts);
  st->bytes += take;
  if (take < n) {
    t->dropping = n - take;
    st->cap_dropped += n - take;
    if (by_total)
      r->st.total_cap_hits++;
    else
      r->st.stream_cap_hits++;
    return;
  }
  if (t->len - t->used >= t->flush_at) {
    offer(f, dir, 0);
    /* History costs a copy per flush, so a direction keeps a little until
     * it shows retransmissions, and the full amount from then on. */
    compact(r, t,
            (st->retransmits || st->overlaps || st->unverified) ? r->hist
                                                                : r->hist / 4);
  }
}

/* Compares bytes data[0..n) that claim stream offset off (< t->next) with
 * what was delivered. Returns the number of bytes that differ; bytes no
 * longer held are counted as unverified. */
static uint64_t compare_old(rflow *f, int dir, uint64_t off,
                            const uint8_t *data, size_t n) {
  tcp_dir *t = &f->d[dir];
  uint64_t lo = t->buf_off, hi = t->buf_off + t->len;
  uint64_t a = off > lo ? off : lo;
  uint64_t b = off + n < hi ? off + n : hi;
  uint64_t differ = 0;
  if (a < b) {
    const uint8_t *x = t->buf + (a - lo), *y = data + (a - off);
    if (memcmp(x, y, b - a) != 0)
      for (uint64_t i = 0; i < b - a; i++)
        differ += x[i] != y[i];
    f->pub.dir[dir].unverified += n - (b - a);
  } else {
    f->pub.dir[dir].unverified += n;
  }
  return differ;
}

/* The window never spans less than this, */
#define WIN_MIN ((size_t)64 << 10)
/* nor more than this many times the bytes it would hold (so that a sparse
 * queue -- an attacker's bytes spread far apart -- cannot make it large:
 * those segments get their own allocations instead). */
#define WIN_DENSITY 4

/* Makes the window hold [t->next, end) if the queue is dense enough. 0 when
 * it does, -1 when these bytes go to their own segment. */
static int win_fits(wr_tcp_reasm *r, tcp_dir *t, uint64_t end, size_t n) {
  if (t->win_bytes == 0) {
    t->win_base = t->next; /* nothing lives in it: start again here */
    t->win_end = t->next;
  }
  if (end - t->win_base <= t->win_cap)
    return 0;
  uint64_t lo = t->next; /* every queued byte lies at or after next */
  uint64_t span = end - lo;
  if (span > r->cap ||
      (span > WIN_MIN && span > WIN_DENSITY * (t->ooo_bytes + n)))
    return -1;
  /* Moves the live part [lo, win_end) to the front: in place when that
   * leaves enough room, else into a buffer twice the span. A move happens
   * after next advanced half the window, or when the span doubled. */
  size_t live = t->win_end > lo ? (size_t)(t->win_end - lo) : 0;
  size_t from = (size_t)(lo - t->win_base);
  if (span <= t->win_cap) {
    memmove(t->win, t->win + from, live);
  } else {
    size_t ncap = t->win_cap ? t->win_cap : WIN_MIN;
    while (ncap < 2 * span)
      ncap *= 2;
    if (from == 0) {
      /* The live part is at the front already (the usual case: next has
       * not moved since the queue began): realloc keeps it there, without
       * a copy when the allocator can grow the block in place. */
      uint8_t *nw = realloc(t->win, ncap);
      if (!nw)
        return -1; /* the bytes get their own segment, or fail there */
      t->win = nw;
    } else {
      uint8_t *nw = malloc(ncap);
      if (!nw)
        return -1;
      if (live)
        memcpy(nw, t->win + from, live);
      free(t->win);
      t->win = nw;
    }
    t->win_cap = ncap;
  }
  t->win_base = lo;
  if (t->win_end < lo)
    t->win_end = lo;
  return 0;
}

/* Queues n bytes at off (none queued there), before the entry at *pos or
 * after all of them (pos NULL). 0, or -1 when out of memory (the run
 * fails). */
static int add_seg(rflow *f, tcp_dir *t, const wr_opos *pos, uint64_t off,
                   const uint8_t *p, size_t n, int64_t ts) {
  ooo_seg *s = NULL;
  if (win_fits(f->r, t, off + n, n) == 0) {
    memcpy(t->win + (off - t->win_base), p, n);
  } else {
    s = malloc(sizeof *s + n);
    if (!s) {
      fail_nomem(f);
      return -1;
    }
    s->len = (uint32_t)n;
    memcpy(s->data, p, n);
  }
  if (wr_oindex_insert_before_(&t->idx, pos, off, off + n, ts, s)) {
    free(s);
    fail_nomem(f);
    return -1;
  }
  if (!s) {
    t->win_bytes += n;
    if (off + n > t->win_end)
      t->win_end = off + n;
  }
  t->ooo_bytes += n;
  t->nqueued++;
  f->r->held += n;
  return 0;
}

/* The bytes of queued entry e. */
static const uint8_t *seg_data(const tcp_dir *t, const wr_oentry *e) {
  const ooo_seg *s = e->val;
  return s ? s->data : t->win + (e->key - t->win_base);
}

/* The offset of the first queued byte; only with a queue. */
static uint64_t head_off(const tcp_dir *t) {
  wr_oentry e;
  wr_oindex_min_(&t->idx, &e);
  return e.key;
}

/* Removes the first queued segment, *h (segments leave only from the
 * front: delivered, or behind a gap); the caller frees its ooo_seg. Window
 * bytes stay readable until the next call that queues. */
static void pop_head(wr_tcp_reasm *r, tcp_dir *t, const wr_oentry *h) {
  const wr_oentry e = *h;
  wr_oindex_pop_min_(&t->idx);
  size_t n = (size_t)(e.end - e.key);
  if (!e.val)
    t->win_bytes -= n;
  t->ooo_bytes -= n;
  t->nqueued--;
  r->held -= n;
}

/* Queues [off, off + n) ahead of a hole, keeping bytes already queued.
 * Returns the number of queued bytes that differ from the new copy, and in
 * *fresh how many bytes were new. */
static uint64_t queue(rflow *f, int dir, uint64_t off, const uint8_t *p,
                      size_t n, int64_t ts, uint64_t *fresh) {
  tcp_dir *t = &f->d[dir];
  uint64_t end = off + n, x = off, differ = 0;
  /* Where the window will take these bytes, if it will: a random line in a
   * large buffer, fetched while the index is searched. */
  if (t->win_bytes && off >= t->win_base && end - t->win_base <= t->win_cap) {
    const uint8_t *w = t->win + (off - t->win_base);
    __builtin_prefetch(w, 1);      /* n > 0; w + 64 may be past the end: */
    __builtin_prefetch(w + 64, 1); /* a prefetch never faults */
    __builtin_prefetch(w + n - 1, 1);
  }
  wr_opos pos;
  int more = 0; /* pos holds the first entry not yet passed */
  if (wr_oindex_max_end_(&t->idx) > off) { /* else: beyond the queue */
    wr_oentry e;
    /* The queued segments that end after off, in order, while they start
     * before end: the new bytes fill the holes between them. */
    more = wr_oindex_first_ending_after_(&t->idx, off, &pos, &e);
    while (x < end && more && e.key < end) {
      if (e.key > x) {
        if (add_seg(f, t, &pos, x, p + (x - off), e.key - x, ts))
          return differ;
        *fresh += e.key - x;
        x = e.key;
        /* The insert moved entries (not bytes): find e's place again. */
        wr_oindex_first_ending_after_(&t->idx, e.key, &pos, &e);
      }
      wr_oindex_at_(&t->idx, &pos, &e); /* its value too */
      uint64_t b = e.end < end ? e.end : end;
      const uint8_t *q = seg_data(t, &e) + (x - e.key), *y = p + (x - off);
      if (memcmp(q, y, b - x) != 0)
        for (uint64_t i = 0; i < b - x; i++)
          differ += q[i] != y[i];
      x = b;
      more = wr_oindex_next_(&t->idx, &pos, &e);
    }
  }
  if (x < end &&
      add_seg(f, t, more ? &pos : NULL, x, p + (x - off), end - x, ts) == 0)
    *fresh += end - x;
  return differ;
}

/* Delivers queued segments that now start at t->next, and declares the
 * bytes the snaplen cut as gaps once the stream reaches them. `now` is the
 * time the bytes become deliverable (INT64_MIN: their own arrival). */
static void drain(rflow *f, int dir, int64_t now) {
  tcp_dir *t = &f->d[dir];
  for (;;) {
    wr_oentry h;
    int queued = wr_oindex_min_(&t->idx, &h);
    if (queued && h.key <= t->next) {
      pop_head(f->r, t, &h);
      /* Segments of their own lie in arrival order in memory, not in
       * stream order: fetch one a few ahead while this one is copied. */
      const char *ahead = wr_oindex_peek_(&t->idx, 4);
      if (ahead) {
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + 64);
      }
      if (h.end > t->next) {
        uint64_t skip = t->next - h.key;
        deliver(f, dir, seg_data(t, &h) + skip, (size_t)(h.end - t->next),
                h.ts > now ? h.ts : now);
      }
      if (h.val) /* window bytes have none, and free is a call */
        free(h.val);
      continue;
    }
    if (t->trunc_until > t->next) {
      uint64_t lim = t->trunc_until;
      if (queued && h.key < lim)
        lim = h.key;
      gap(f, dir, lim - t->next, WR_GAP_TRUNCATED);
      continue;
    }
    break;
  }
}

/* Keeps held bytes and queued segments under the caps by declaring the
 * first hole a gap, counting each time a cap bites. */
static void enforce_cap(rflow *f, int dir, int64_t now) {
  tcp_dir *t = &f->d[dir];
  wr_tcp_reasm *r = f->r;
  while (t->nqueued) {
    if (t->len + t->ooo_bytes > r->cap)
      r->st.stream_cap_hits++;
    else if (t->nqueued > r->max_queued)
      r->st.queue_cap_hits++;
    else if (r->held > r->total_cap)
      r->st.total_cap_hits++;
    else
      break;
    gap(f, dir, head_off(t) - t->next, WR_GAP_CAP);
    drain(f, dir, now);
  }
}

void wr_tcpdir_segment(rflow *f, int dir, int64_t off, const uint8_t *data,
                       uint32_t len, uint32_t lost, int64_t ts) {
  tcp_dir *t = &f->d[dir];
  wr_tcp_dir_stats *st = &f->pub.dir[dir];
  int64_t s = off, e = off + (int64_t)len, wire_end = e + (int64_t)lost;

  if (t->fin) {
    int64_t fe = (int64_t)t->fin_off;
    if (e > fe) {
      st->after_fin += (uint64_t)(e - (s > fe ? s : fe));
      e = e > fe ? fe : e;
    }
    if (wire_end > fe)
      wire_end = fe;
  }
  if (s < 0) {
    int64_t cut = (e < 0 ? e : 0) - s;
    st->before_start += (uint64_t)cut;
    data += cut;
    s = 0;
    if (wire_end < 0)
      wire_end = 0;
  }
  int inside = e > s; /* bytes left that belong to the stream */
  if (t->done) {      /* finished early (FIN reached): only old bytes remain */
    if (inside) {
      st->unverified += (uint64_t)(e - s);
      st->retransmits++;
    }
    return;
  }
  if (lost > 0 && wire_end > e && (uint64_t)wire_end > t->trunc_until)
    t->trunc_until = (uint64_t)wire_end;

  uint64_t differ = 0, fresh = 0;
  if (s < (int64_t)t->next && e > s) {
    int64_t oe = e < (int64_t)t->next ? e : (int64_t)t->next;
    differ += compare_old(f, dir, (uint64_t)s, data, (size_t)(oe - s));
    data += oe - s;
    s = oe;
  }
  if (e > s) {
    if (s == (int64_t)t->next && !t->nqueued) {
      deliver(f, dir, data, (size_t)(e - s), ts);
      fresh = (uint64_t)(e - s);
    } else {
      differ += queue(f, dir, (uint64_t)s, data, (size_t)(e - s), ts, &fresh);
    }
  }
  if (differ) {
    st->overlaps++;
    st->overlap_bytes += differ;
  } else if (fresh == 0 && inside) {
    st->retransmits++;
  }
  drain(f, dir, ts);
  enforce_cap(f, dir, ts);
}

void wr_tcpdir_ack(rflow *f, int dir, int64_t acked, int64_t ts) {
  tcp_dir *t = &f->d[dir];
  if (acked <= 0 || t->done)
    return;
  if (!t->have_ack || (uint64_t)acked > t->acked) {
    t->acked = (uint64_t)acked;
    t->have_ack = 1;
  }
  /* The peer has bytes the capture missed, and later bytes wait behind
   * them: they will not be sent again, so the hole is a gap now. */
  uint64_t lim = t->acked;
  if (t->fin && lim > t->fin_off)
    lim = t->fin_off;
  if (t->nqueued && lim > t->next) {
    if (head_off(t) < lim)
      lim = head_off(t);
    gap(f, dir, lim - t->next, WR_GAP_MISSING);
    drain(f, dir, ts);
  }
}

void wr_tcpdir_finish(rflow *f, int dir) {
  tcp_dir *t = &f->d[dir];
  if (t->done)
    return;
  drain(f, dir, INT64_MIN);
  while (t->nqueued) {
    gap(f, dir, head_off(t) - t->next, WR_GAP_MISSING);
    drain(f, dir, INT64_MIN);
  }
  /* Bytes the FIN or the peer's acknowledgement show were sent but that
   * the capture never held. An acknowledgement one past the data without
   * a FIN seen is most likely that FIN, not a byte. */
  uint64_t end = t->next;
  if (t->fin)
    end = t->fin_off;
  else if (t->have_ack && t->acked > t->next + 1)
    end = t->acked;
  if (end > t->next)
    gap(f, dir, end - t->next, WR_GAP_MISSING);
  flush_final(f, dir);
  wr_tcpdir_free(f->r, t);
  t->done = 1;
}

void wr_tcpdir_check_complete(rflow *f, int dir) {
  tcp_dir *t = &f->d[dir];
  if (!t->done && t->fin && t->next >= t->fin_off && !t->nqueued)
    wr_tcpdir_finish(f, dir);
}

void wr_tcpdir_free(wr_tcp_reasm *r, tcp_dir *t) {
  while (t->nqueued) {
    wr_oentry h;
    wr_oindex_min_(&t->idx, &h);
    pop_head(r, t, &h);
    free(h.val);
  }
  wr_oindex_free_(&t->idx);
  free(t->win);
  t->win = NULL;
  t->win_cap = 0;
  r->held -= t->len;
  free(t->buf);
  free(t->pieces);
  t->buf = NULL;
  t->pieces = NULL;
  t->len = t->cap = t->used = 0;
  t->npieces = t->pieces_cap = 0;
}
