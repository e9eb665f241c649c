/* Shrinking a failing case: fewest cuts first (a one-cut failure reads at
 * a glance), then the shortest stream that still fails the same oracle,
 * then fewest cuts again for the shorter stream. Every candidate is judged
 * from scratch, its one-shot outcome included, since a shorter stream has
 * a different expectation. */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

/* Enough to take a few-kilobyte stream down to its core; a bound so a slow
 * decoder cannot make shrinking look like a hang. */
#define SHRINK_BUDGET 20000

typedef struct shrinker {
  chk_ctx *c;
  const char *oracle;
  uint64_t runs;
} shrinker;

static int still_fails(shrinker *sh, const uint8_t *s, size_t len,
                       const size_t *cuts, unsigned ncuts) {
  sh->runs++;
  int f = wr_chk_judge(sh->c, s, len, cuts, ncuts);
  return f && sh->c->oracle == sh->oracle;
}

static void drop_cuts(shrinker *sh, const uint8_t *s, size_t len, size_t *cuts,
                      unsigned *ncuts) {
  for (unsigned i = 0; i < *ncuts && sh->runs < SHRINK_BUDGET;) {
    size_t keep = cuts[i];
    memmove(cuts + i, cuts + i + 1, (*ncuts - i - 1) * sizeof *cuts);
    if (still_fails(sh, s, len, cuts, *ncuts - 1)) {
      (*ncuts)--;
      continue; /* the next cut slid into place i */
    }
    memmove(cuts + i + 1, cuts + i, (*ncuts - i - 1) * sizeof *cuts);
    cuts[i] = keep;
    i++;
  }
}

/* The cuts of a stream after bytes [at, at + n) are removed: cuts inside
 * the removed range go, later ones move back, duplicates and ends merge. */
static unsigned map_cuts(const size_t *in, unsigned nin, size_t at, size_t n,
                         size_t newlen, size_t *out) {
  unsigned m = 0;
  for (unsigned i = 0; i < nin; i++) {
    size_t c = in[i];
    if (c > at && c < at + n)
      continue;
    if (c >= at + n)
      c -= n;
    if (c == 0 || c >= newlen || (m && c <= out[m - 1]))
      continue;
    out[m++] = c;
  }
  return m;
}

uint64_t wr_chk_shrink(chk_ctx *c, uint8_t *stream, size_t *len, size_t *cuts,
                       unsigned *ncuts) {
  shrinker sh = {c, c->oracle, 0};
  drop_cuts(&sh, stream, *len, cuts, ncuts);
  /* Remove ranges of halving sizes while the case still fails. */
  uint8_t *cand = malloc(*len ? *len : 1);
  size_t *ccuts = malloc((*ncuts ? *ncuts : 1) * sizeof *ccuts);
  if (!cand || !ccuts)
    goto done; /* the case stays as long as it was: still a valid report */
  for (size_t chunk = *len / 2; chunk >= 1 && sh.runs < SHRINK_BUDGET;
       chunk /= 2) {
    for (size_t at = 0; at + chunk <= *len && sh.runs < SHRINK_BUDGET;) {
      size_t nl = *len - chunk;
      memcpy(cand, stream, at);
      memcpy(cand + at, stream + at + chunk, nl - at);
      unsigned nc = map_cuts(cuts, *ncuts, at, chunk, nl, ccuts);
      if (still_fails(&sh, cand, nl, ccuts, nc)) {
        memcpy(stream, cand, nl);
        memcpy(cuts, ccuts, nc * sizeof *cuts);
        *len = nl;
        *ncuts = nc;
      } else {
        at += chunk;
      }
    }
  }
  drop_cuts(&sh, stream, *len, cuts, ncuts);
done:
  free(cand);
  free(ccuts);
  c->oracle = sh.oracle;
  return sh.runs;
}
