/* The framer (wirerig/framer.h): an input fed in chunks of any size gives
 * exactly the events of wr_frame_next run over the whole input at once
 * (the reference below is that loop, as `wirerig decode` ran it before it
 * streamed), for every packet type over seeded random inputs; and its
 * buffer stays near one packet plus one chunk however long the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "wirerig/framer.h"
#include "wirerig/prng.h"

/* ---- event logs ---------------------------------------------------------- */

typedef struct log {
  char *s;
  size_t len, cap;
} log_t;

static void say(log_t *l, const char *fmt, ...) TU_PRINTF(2, 3);
static void say(log_t *l, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (l->len + (size_t)n + 1 > l->cap) {
    l->cap = (l->len + (size_t)n + 1) * 2;
    l->s = realloc(l->s, l->cap);
    TU_CHECK(l->s != NULL, "out of memory");
  }
  memcpy(l->s + l->len, tmp, (size_t)n + 1);
  l->len += (size_t)n;
}

static uint64_t fnv(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

/* A packet, and for the http types its parse as the Erlang term. */
static void say_packet(log_t *l, uint64_t off, const wr_frame *fr, int state,
                       const wr_http_packet *hp) {
  char term[400] = "";
  if (hp)
    wr_http_render(hp, 0, term, sizeof term);
  say(l, "packet at %llu: %zu bytes %016llx consumed %zu state %d %s\n",
      (unsigned long long)off, fr->packet.len,
      (unsigned long long)fnv(fr->packet.ptr, fr->packet.len), fr->consumed,
      state, term);
}

/* What `wirerig decode` did over the whole input in memory. */
static void reference(const wr_framing *cfg, const uint8_t *data, size_t n,
                      log_t *l) {
  int state = WR_HTTP_REQUEST_LINE;
  int http = wr_packet_type_is_http(cfg->type);
  int forced = cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  size_t off = 0, count = 0;
  for (;;) {
    if (off == n) {
      say(l, "complete at %zu after %zu\n", off, count);
      return;
    }
    if (forced)
      state = WR_HTTP_HEADERS;
    wr_frame fr;
    wr_frame_status st = wr_frame_next(cfg, state, data + off, n - off, &fr);
    if (st == WR_FRAME_PACKET) {
      int before = state;
      wr_http_packet hp;
      if (http)
        wr_http_parse(fr.packet.ptr, fr.packet.len, &state, &hp);
      say_packet(l, off, &fr, before, http ? &hp : NULL);
      count++;
      TU_CHECK(fr.consumed > 0 && fr.consumed <= n - off, "bad consumed");
      off += fr.consumed;
      continue;
    }
    if (st == WR_FRAME_MORE)
      say(l, "short at %zu: %zu present, need %zu\n", off, n - off, fr.need);
    else
      say(l, "invalid at %zu\n", off);
    return;
  }
}

/* Logs one framer event; returns 1 at an end event. */
static int log_event(log_t *l, const wr_framer_event *ev) {
  switch (ev->status) {
  case WR_FRAMER_PACKET:
    say_packet(l, ev->offset, &ev->frame, ev->http_state,
               ev->is_http ? &ev->http : NULL);
    return 0;
  case WR_FRAMER_COMPLETE:
    say(l, "complete at %llu after %llu\n", (unsigned long long)ev->offset,
        (unsigned long long)ev->packets);
    return 1;
  case WR_FRAMER_SHORT:
    say(l, "short at %llu: %zu present, need %zu\n",
        (unsigned long long)ev->offset, ev->avail, ev->need);
    return 1;
  default:
    say(l, "invalid at %llu\n", (unsigned long long)ev->offset);
    return 1;
  }
}

/* The framer fed data in chunks of the sizes r picks (1..max_cut), when it
 * asks for input; with `eager`, also now and then between two packets, while
 * packets framed ahead are still waiting (the buffer then moves under
 * them). */
static void chunked(const wr_framing *cfg, const uint8_t *data, size_t n,
                    wr_prng *r, size_t max_cut, size_t chunk, int eager,
                    log_t *l) {
  wr_framer f;
  wr_framer_init(&f, cfg, chunk);
  size_t pos = 0;
  for (int guard = 0;; guard++) {
    TU_CHECK(guard < 10000000, "the framer does not progress");
    wr_framer_event ev;
    wr_framer_status st = wr_framer_next(&f, &ev);
    if (st == WR_FRAMER_INPUT) {
      if (pos == n) {
        wr_framer_end(&f);
        continue;
      }
      size_t k = (size_t)wr_prng_range(r, 1, max_cut);
      if (k > n - pos)
        k = n - pos;
      TU_CHECK(wr_framer_feed(&f, data + pos, k) == 0, "feed failed");
      pos += k;
      continue;
    }
    if (eager && st == WR_FRAMER_PACKET && pos < n &&
        wr_prng_below(r, 4) == 0) {
      size_t k = (size_t)wr_prng_range(r, 1, max_cut);
      if (k > n - pos)
        k = n - pos;
      /* The event's bytes stay valid until the next framer call: log them
       * before feeding. */
      log_event(l, &ev);
      TU_CHECK(wr_framer_feed(&f, data + pos, k) == 0, "feed failed");
      pos += k;
      continue;
    }
    if (log_event(l, &ev)) {
      /* An end event is given again when asked again. */
      wr_framer_event again;
      TU_CHECK(wr_framer_next(&f, &again) == st, "end event not repeated");
      break;
    }
  }
  wr_framer_free(&f);
}

/* ---- inputs ---------------------------------------------------------------
 */

static size_t put(uint8_t *b, size_t at, size_t cap, const char *s) {
  size_t n = strlen(s);
  if (at + n > cap)
    n = cap - at;
  memcpy(b + at, s, n);
  return at + n;
}

/* Mostly well-formed packets of cfg's type, now and then a damaged one. */
static size_t gen(wr_packet_type type, wr_prng *r, uint8_t *b, size_t cap) {
  static const char *const http[] = {
      "GET / HTTP/1.1\r\n",    "Host: x\r\n",
      "Content-Length: 3\r\n", "\r\n",
      "HTTP/1.1 200 OK\r\n",   "X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
      " folded\r\n",           "garbage line\n",
      "POST /p?q HTTP/1.0\r\n"};
  size_t at = 0;
  size_t target = (size_t)wr_prng_range(r, 0, cap);
  while (at < target) {
    uint64_t pick = wr_prng_below(r, 100);
    if (pick < 3) { /* noise */
      size_t k = (size_t)wr_prng_range(r, 1, 16);
      for (size_t i = 0; i < k && at < cap; i++)
        b[at++] = (uint8_t)wr_prng_next(r);
      continue;
    }
    switch (type) {
    case WR_PACKET_1:
    case WR_PACKET_2:
    case WR_PACKET_4: {
      size_t h = type == WR_PACKET_1 ? 1 : type == WR_PACKET_2 ? 2 : 4;
      size_t len = (size_t)wr_prng_range(r, 0, 300);
      if (at + h + len > cap)
        return at;
      for (size_t i = 0; i < h; i++)
        b[at + i] = (uint8_t)(len >> (8 * (h - 1 - i)));
      for (size_t i = 0; i < len; i++)
        b[at + h + i] = (uint8_t)wr_prng_next(r);
      at += h + len;
      break;
    }
    case WR_PACKET_LINE: {
      size_t len = (size_t)wr_prng_range(r, 0, 200);
      for (size_t i = 0; i < len && at < cap; i++)
        b[at++] = (uint8_t)('a' + wr_prng_below(r, 26));
      if (at < cap)
        b[at++] = '\n';
      break;
    }
    case WR_PACKET_HTTP:
    case WR_PACKET_HTTPH:
    case WR_PACKET_HTTP_BIN:
    case WR_PACKET_HTTPH_BIN:
      at = put(b, at, cap, http[wr_prng_below(r, 9)]);
      break;
    default: /* the others: bytes (tpkt, asn1, ... mostly fail somewhere) */
      b[at++] = (uint8_t)wr_prng_below(r, 4);
      break;
    }
  }
  return at;
}

static void test_chunks_equal_whole(void **state) {
  (void)state;
  static uint8_t buf[20000];
  const wr_packet_type types[] = {
      WR_PACKET_RAW,      WR_PACKET_1,        WR_PACKET_2,    WR_PACKET_4,
      WR_PACKET_ASN1,     WR_PACKET_SUNRM,    WR_PACKET_CDR,  WR_PACKET_FCGI,
      WR_PACKET_TPKT,     WR_PACKET_LINE,     WR_PACKET_HTTP, WR_PACKET_HTTPH,
      WR_PACKET_HTTP_BIN, WR_PACKET_HTTPH_BIN};
  size_t cuts[] = {1, 7, 300, 5000, 20000};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
    for (uint64_t seed = 1; seed <= 8; seed++) {
      wr_prng r;
      wr_prng_seed(&r, seed * 131 + t);
      wr_framing cfg = wr_framing_default(types[t]);
      if (seed % 3 == 0)
        cfg.packet_size = 200; /* some packets over the limit */
      if (seed % 4 == 0)
        cfg.trunc_len = 50; /* line pieces; the http line limit */
      size_t n = gen(types[t], &r, buf, sizeof buf);
      log_t want = {0};
      reference(&cfg, buf, n, &want);
      for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        log_t got = {0};
        /* A small read size makes the buffer move and grow often. */
        chunked(&cfg, buf, n, &r, cuts[c], seed % 2 ? 16 : 0, (int)(c % 2),
                &got);
        TU_CHECK(strcmp(want.s, got.s) == 0,
                 "type %s seed %llu cuts up to %zu: whole input gave\n%s\n"
                 "chunks gave\n%s",
                 wr_packet_type_name(types[t]), (unsigned long long)seed,
                 cuts[c], want.s, got.s);
        free(got.s);
      }
      free(want.s);
    }
}

/* 16 MB of 4-byte-header packets of up to 1000 bytes, fed 64 KiB at a
 * time: the buffer never holds more than a packet and two chunks. */
static void test_memory_bounded(void **state) {
  (void)state;
  wr_framing cfg = wr_framing_default(WR_PACKET_4);
  wr_framer f;
  wr_framer_init(&f, &cfg, 0);
  wr_prng r;
  wr_prng_seed(&r, 99);
  static uint8_t chunk[1 << 16];
  uint64_t fed = 0, packets = 0, bytes = 0, made = 0;
  size_t left = 0; /* bytes still due of the packet being generated */
  while (fed < ((uint64_t)16 << 20)) {
    size_t k = 0;
    while (k < sizeof chunk) {
      if (left == 0) {
        if (sizeof chunk - k < 4)
          break;
        left = (size_t)wr_prng_range(&r, 0, 1000);
        for (int i = 0; i < 4; i++)
          chunk[k++] = (uint8_t)(left >> (8 * (3 - i)));
        made++;
        continue;
      }
      size_t m = left < sizeof chunk - k ? left : sizeof chunk - k;
      memset(chunk + k, 'x', m);
      k += m;
      left -= m;
    }
    TU_CHECK(wr_framer_feed(&f, chunk, k) == 0, "feed failed");
    fed += k;
    wr_framer_event ev;
    while (wr_framer_next(&f, &ev) == WR_FRAMER_PACKET) {
      packets++;
      bytes += ev.frame.packet.len;
    }
    assert_int_equal(ev.status, WR_FRAMER_INPUT);
  }
  wr_framer_end(&f);
  wr_framer_event ev;
  wr_framer_status st = wr_framer_next(&f, &ev);
  /* The last packet may be cut by the end: every other one came out. */
  assert_true(st == WR_FRAMER_COMPLETE || st == WR_FRAMER_SHORT);
  assert_true(packets == made || (packets == made - 1 && left > 0));
  assert_true(bytes > ((uint64_t)15 << 20));
  assert_true(f.peak_cap <= 4 * WR_FRAMER_DEFAULT_CHUNK);
  wr_framer_free(&f);
}

/* A packet bigger than a chunk: the buffer grows to it, once. */
static void test_big_packet(void **state) {
  (void)state;
  wr_framing cfg = wr_framing_default(WR_PACKET_4);
  size_t len = 1 << 20;
  uint8_t *b = malloc(4 + len);
  assert_non_null(b);
  b[0] = 0;
  b[1] = 0x10;
  b[2] = b[3] = 0;
  memset(b + 4, 'y', len);
  wr_framer f;
  wr_framer_init(&f, &cfg, 4096);
  wr_framer_event ev;
  size_t pos = 0;
  int reads = 0;
  for (;;) {
    wr_framer_status st = wr_framer_next(&f, &ev);
    if (st != WR_FRAMER_INPUT)
      break;
    if (pos == 4 + len) {
      wr_framer_end(&f);
      continue;
    }
    uint8_t *dst;
    size_t room;
    assert_int_equal(wr_framer_room(&f, &dst, &room), 0);
    size_t k = room < 4 + len - pos ? room : 4 + len - pos;
    memcpy(dst, b + pos, k);
    wr_framer_commit(&f, k);
    pos += k;
    reads++;
  }
  assert_int_equal(ev.status, WR_FRAMER_PACKET);
  assert_int_equal(ev.frame.packet.len, len);
  assert_int_equal(ev.offset, 0);
  /* The header says how big it is: the second read asks for all of it. */
  assert_true(reads <= 3);
  assert_true(f.peak_cap < 2 * (4 + len) + 4096);
  assert_int_equal(wr_framer_next(&f, &ev), WR_FRAMER_INPUT);
  wr_framer_end(&f);
  assert_int_equal(wr_framer_next(&f, &ev), WR_FRAMER_COMPLETE);
  assert_int_equal(ev.packets, 1);
  assert_int_equal(ev.offset, 4 + len);
  wr_framer_free(&f);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chunks_equal_whole),
      cmocka_unit_test(test_memory_bounded),
      cmocka_unit_test(test_big_packet),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
