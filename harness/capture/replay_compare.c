/* wirerig/replay.h: what the live server answered against what the
 * captured server said, byte for byte and, with --packet, packet by
 * packet. Both sides are cut by the same framing code from their first
 * byte, carrying the HTTP state from line to line, so a difference is
 * named by the packet it falls in, rendered as `wirerig decode` shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wirerig/replay.h"

char *wr_replay_render_packet(const wr_framing *cfg, const uint8_t *p, size_t n,
                              int *state) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return NULL;
  if (wr_packet_type_is_http(cfg->type)) {
    wr_http_packet hp;
    if (cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN)
      *state = WR_HTTP_HEADERS; /* header lines only, as gen_tcp parses */
    wr_http_parse(p, n, state, &hp);
    wr_http_print(f, cfg->type, &hp);
  } else {
    wr_bytes_print(f, p, n);
  }
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* One side cut into packets: spans into the side's bytes. The tail that
 * does not make a whole packet is the last entry, marked incomplete. */
typedef struct cut {
  wr_span *v;
  size_t n, cap;
  int incomplete; /* the last entry is a leftover, not a packet */
  int invalid;    /* the leftover is a framing error */
} cut;

static int cut_push(cut *c, const uint8_t *p, size_t n) {
  if (c->n == c->cap) {
    size_t nc = c->cap ? c->cap * 2 : 64;
    wr_span *nv = realloc(c->v, nc * sizeof *nv);
    if (!nv)
      return -1;
    c->v = nv;
    c->cap = nc;
  }
  c->v[c->n].ptr = p;
  c->v[c->n].len = n;
  c->n++;
  return 0;
}

static int cut_side(const wr_framing *cfg, const uint8_t *data, size_t len,
                    cut *c) {
  size_t off = 0;
  int state = WR_HTTP_REQUEST_LINE;
  int headers_only =
      cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  while (off < len) {
    if (headers_only)
      state = WR_HTTP_HEADERS;
    wr_frame fr;
    wr_frame_status st = wr_frame_next(cfg, state, data + off, len - off, &fr);
    if (st != WR_FRAME_PACKET) {
      c->incomplete = 1;
      c->invalid = st == WR_FRAME_INVALID;
      return cut_push(c, data + off, len - off);
    }
    if (wr_packet_type_is_http(cfg->type)) {
      wr_http_packet hp;
      wr_http_parse(fr.packet.ptr, fr.packet.len, &state, &hp);
    }
    if (cut_push(c, fr.packet.ptr, fr.packet.len))
      return -1;
    off += fr.consumed;
  }
  return 0;
}

static char *describe(const wr_framing *cfg, const cut *c, size_t i,
                      int *state) {
  if (i >= c->n)
    return strdup("nothing");
  int last_left = c->incomplete && i + 1 == c->n;
  if (last_left) {
    char *bytes = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&bytes, &blen);
    if (!f)
      return NULL;
    fprintf(f, "%s (%zu bytes) ",
            c->invalid ? "a framing error" : "an incomplete packet",
            c->v[i].len);
    wr_bytes_print(f, c->v[i].ptr, c->v[i].len);
    if (fclose(f) != 0) {
      free(bytes);
      return NULL;
    }
    return bytes;
  }
  return wr_replay_render_packet(cfg, c->v[i].ptr, c->v[i].len, state);
}

static int same(const wr_span *a, const wr_span *b) {
  return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

static int listed_packet(const wr_replay_patterns *pat, size_t number) {
  for (size_t k = 0; pat && k < pat->npackets; k++)
    if (pat->packets[k] == number)
      return 1;
  return 0;
}

static int listed_header(const wr_replay_patterns *pat, const wr_span *name) {
  for (size_t k = 0; pat && k < pat->nheaders; k++)
    if (strlen(pat->headers[k]) == name->len &&
        strncasecmp(pat->headers[k], (const char *)name->ptr, name->len) == 0)
      return 1;
  return 0;
}

/* An http_header packet of a header the patterns name (its parse at
 * state, which is left alone), or NULL. */
static const wr_span *ignored_header(const wr_framing *cfg,
                                     const wr_replay_patterns *pat,
                                     const wr_span *p, int state,
                                     wr_http_packet *hp) {
  if (!pat || !pat->nheaders || !wr_packet_type_is_http(cfg->type))
    return NULL;
  if (cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN)
    state = WR_HTTP_HEADERS; /* as cut_side parses them */
  if (wr_http_parse(p->ptr, p->len, &state, hp) != WR_HTTP_HEADER)
    return NULL;
  return listed_header(pat, &hp->raw_field) ? &hp->raw_field : NULL;
}

/* Packets i (1-based number) of both sides, complete and different, equal
 * under the patterns: a listed packet number, or the same listed header
 * with another value. */
static int equal_by_pattern(const wr_framing *cfg,
                            const wr_replay_patterns *pat, size_t number,
                            const wr_span *a, int sa, const wr_span *b,
                            int sb) {
  if (listed_packet(pat, number))
    return 1;
  wr_http_packet ha, hb;
  const wr_span *na = ignored_header(cfg, pat, a, sa, &ha);
  const wr_span *nb = na ? ignored_header(cfg, pat, b, sb, &hb) : NULL;
  return nb && na->len == nb->len &&
         strncasecmp((const char *)na->ptr, (const char *)nb->ptr, na->len) ==
             0;
}

static int compare_packets(const uint8_t *captured, size_t clen,
                           const uint8_t *live, size_t llen,
                           const wr_framing *cfg, const wr_replay_patterns *pat,
                           FILE *out, wr_replay_diff *d) {
  cut a = {0}, b = {0};
  int rc = -1;
  if (cut_side(cfg, captured, clen, &a) || cut_side(cfg, live, llen, &b))
    goto done;
  d->packets = 1;
  d->ncaptured = a.n - (size_t)a.incomplete;
  d->nlive = b.n - (size_t)b.incomplete;
  d->packets_match = 1;
  int sa = WR_HTTP_REQUEST_LINE, sb = WR_HTTP_REQUEST_LINE;
  size_t n = a.n > b.n ? a.n : b.n;
  for (size_t i = 0; i < n; i++) {
    int both = i < a.n && i < b.n;
    int a_left = a.incomplete && i + 1 == a.n;
    int b_left = b.incomplete && i + 1 == b.n;
    int equal = 0, by_pattern = 0;
    if (both && a_left == b_left) {
      equal = same(&a.v[i], &b.v[i]);
      by_pattern = !equal && !a_left &&
                   equal_by_pattern(cfg, pat, i + 1, &a.v[i], sa, &b.v[i], sb);
    }
    if (equal || by_pattern) {
      /* Each side's parse carries its own HTTP state on. */
      char *t = describe(cfg, &a, i, &sa);
      char *u = describe(cfg, &b, i, &sb);
      if (!t || !u) {
        free(t);
        free(u);
        goto done;
      }
      if (out && equal)
        fprintf(out, "packet %zu matches (%zu bytes): %.100s%s\n", i + 1,
                a.v[i].len, t, strlen(t) > 100 ? "..." : "");
      else if (out)
        fprintf(out,
                "packet %zu matches by pattern: captured %.100s%s, live "
                "%.100s%s\n",
                i + 1, t, strlen(t) > 100 ? "..." : "", u,
                strlen(u) > 100 ? "..." : "");
      d->ignored += (size_t)by_pattern;
      free(t);
      free(u);
      continue;
    }
    d->packets_match = 0;
    d->packet_diff = i + 1;
    d->captured_text = describe(cfg, &a, i, &sa);
    d->live_text = describe(cfg, &b, i, &sb);
    if (!d->captured_text || !d->live_text)
      goto done;
    break;
  }
  rc = 0;
done:
  free(a.v);
  free(b.v);
  return rc;
}

int wr_replay_compare_patterns(const uint8_t *captured, size_t clen,
                               const uint8_t *live, size_t llen,
                               const wr_framing *cfg,
                               const wr_replay_patterns *pat, FILE *out,
                               wr_replay_diff *d) {
  memset(d, 0, sizeof *d);
  size_t n = clen < llen ? clen : llen, i = 0;
  while (i < n && captured[i] == live[i])
    i++;
  d->match = clen == llen && i == n;
  d->first_diff = i;
  if (!cfg)
    return 0;
  return compare_packets(captured, clen, live, llen, cfg, pat, out, d)
             ? WR_ENOMEM
             : 0;
}

int wr_replay_compare(const uint8_t *captured, size_t clen, const uint8_t *live,
                      size_t llen, const wr_framing *cfg, FILE *out,
                      wr_replay_diff *d) {
  return wr_replay_compare_patterns(captured, clen, live, llen, cfg, NULL, out,
                                    d);
}

size_t wr_replay_fixed_len(const uint8_t *captured, size_t clen,
                           const wr_framing *cfg,
                           const wr_replay_patterns *pat) {
  cut c = {0};
  if (!cfg || !pat || cut_side(cfg, captured, clen, &c) != 0) {
    free(c.v);
    return clen;
  }
  size_t fixed = clen;
  int state = WR_HTTP_REQUEST_LINE;
  for (size_t i = 0; i < c.n && !(c.incomplete && i + 1 == c.n); i++) {
    wr_http_packet hp;
    if (listed_packet(pat, i + 1))
      fixed -= c.v[i].len;
    else if (ignored_header(cfg, pat, &c.v[i], state, &hp))
      fixed -= hp.value.len;
    if (cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN)
      state = WR_HTTP_HEADERS;
    if (wr_packet_type_is_http(cfg->type))
      wr_http_parse(c.v[i].ptr, c.v[i].len, &state, &hp);
  }
  free(c.v);
  return fixed;
}

void wr_replay_diff_free(wr_replay_diff *d) {
  free(d->captured_text);
  free(d->live_text);
  memset(d, 0, sizeof *d);
}
