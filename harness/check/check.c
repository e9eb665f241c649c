/* The modes of wirerig check: exhaustive, seeded and single schedules, the
 * oracles each schedule is judged by, and the replay of a printed case. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/hex.h"
#include "check_int.h"
#include "wirerig/policy.h"
#include "wirerig/prng.h"

#define DEFAULT_MAX_CUTS 3
#define DEFAULT_MAX_SCHEDULES 10000000ull
#define DEFAULT_SCHEDULES 100
#define DEFAULT_POLICY "random:1-64"

int wr_chk_misuse(const wr_check_options *opt, int rc, const char *fmt, ...) {
  if (opt && opt->quiet)
    return rc;
  FILE *f = opt && opt->where ? opt->where : stderr;
  va_list ap;
  va_start(ap, fmt);
  fputs("wirerig check: ", f);
  vfprintf(f, fmt, ap);
  fputc('\n', f);
  va_end(ap);
  return rc;
}

static const char *dec_name(const wr_check_decoder *d) {
  return d->name ? d->name : "decoder";
}

static int check_decoder(const wr_check_decoder *d, const char *role,
                         const wr_check_options *opt) {
  if (!d)
    return wr_chk_misuse(opt, WR_EINVAL, "the %s is NULL", role);
  if (!d->create || !d->destroy)
    return wr_chk_misuse(opt, WR_EINVAL,
                         "%s '%s': create and destroy are required, found "
                         "create=%s destroy=%s",
                         role, dec_name(d), d->create ? "set" : "NULL",
                         d->destroy ? "set" : "NULL");
  if (!d->feed == !d->next)
    return wr_chk_misuse(opt, WR_EINVAL,
                         "%s '%s': set exactly one of feed (push) and next "
                         "(pull), found %s",
                         role, dec_name(d), d->feed ? "both" : "neither");
  if ((d->flags & WR_CHECK_POLL) && !d->feed)
    return wr_chk_misuse(opt, WR_EINVAL,
                         "%s '%s': WR_CHECK_POLL is for push decoders (feed)",
                         role, dec_name(d));
  return 0;
}

static int check_use(const wr_check_decoder *dec, const wr_check_options *opt,
                     const void *stream, size_t len) {
  int rc = check_decoder(dec, "decoder", opt);
  if (rc)
    return rc;
  if (!opt)
    return wr_chk_misuse(opt, WR_EINVAL, "the options are NULL");
  if (!stream && len)
    return wr_chk_misuse(opt, WR_EINVAL, "the stream is NULL");
  if (opt->reference) {
    const wr_check_reference *r = opt->reference;
    if (!r->use_packet == !r->decoder)
      return wr_chk_misuse(opt, WR_EINVAL,
                           "reference: set exactly one of use_packet and "
                           "decoder, found %s",
                           r->use_packet ? "both" : "neither");
    if (r->decoder && (rc = check_decoder(r->decoder, "reference", opt)))
      return rc;
    if (r->use_packet && (unsigned)r->framing.type >= WR_PACKET_TYPE_COUNT)
      return wr_chk_misuse(opt, WR_EINVAL,
                           "reference: packet type %d is not one of gen_tcp's",
                           (int)r->framing.type);
  }
  if (opt->round_trip && !dec->encode)
    return wr_chk_misuse(opt, WR_EINVAL,
                         "decoder '%s': round_trip needs its encode callback",
                         dec_name(dec));
  return 0;
}

/* ---- the oracles ------------------------------------------------------- */

static int fail(chk_ctx *c, const char *oracle) {
  c->oracle = oracle;
  return 1;
}

int wr_chk_judge_whole(chk_ctx *c, const uint8_t *stream, size_t len) {
  const wr_check_options *opt = c->opt;
  wr_chk_run(c->dec, &c->guard, stream, len, NULL, 0, &c->whole);
  if (c->whole.bad[0] || c->whole.oom)
    return fail(c, "decoder");
  if (opt->reference) {
    const wr_check_reference *r = opt->reference;
    if (r->use_packet)
      wr_chk_run_framing(&r->framing, stream, len, &c->ref);
    else
      wr_chk_run(r->decoder, &c->guard, stream, len, NULL, 0, &c->ref);
    if (!wr_chk_same(&c->ref, &c->whole, 1))
      return fail(c, "reference");
  }
  if (opt->round_trip && !c->whole.error) {
    /* Encode what was decoded, decode that: the messages must come back. */
    wr_check_buf b = {0};
    int rc = 0;
    for (size_t i = 0; i < c->whole.nmsgs && rc == 0; i++) {
      const chk_msg *m = &c->whole.msgs[i];
      rc = c->dec->encode(c->dec->ctx, wr_chk_msg_bytes(&c->whole, m), m->len,
                          m->tag, &b);
    }
    if (rc == 0 && wr_chk_guard_reserve(&c->guard, b.len + c->dec->spare))
      rc = WR_ENOMEM;
    if (rc == 0)
      wr_chk_run(c->dec, &c->guard, b.data, b.len, NULL, 0, &c->cut);
    free(b.data);
    if (rc != 0) {
      wr_chk_outcome_clear(&c->cut);
      snprintf(c->cut.bad, sizeof c->cut.bad, "encode failed: %d", rc);
      return fail(c, "round trip");
    }
    chk_outcome want = c->whole;
    want.finish_error = c->cut.finish_error; /* only the messages count */
    want.left = c->cut.left;
    if (c->cut.error || !wr_chk_same(&want, &c->cut, 0))
      return fail(c, "round trip");
  }
  return 0;
}

int wr_chk_judge_cuts(chk_ctx *c, const uint8_t *stream, size_t len,
                      const size_t *cuts, unsigned ncuts) {
  wr_chk_run(c->dec, &c->guard, stream, len, cuts, ncuts, &c->cut);
  if (c->cut.bad[0] || c->cut.oom)
    return fail(c, "decoder");
  if (!wr_chk_same(&c->whole, &c->cut, 0))
    return fail(c, "split invariance");
  return 0;
}

int wr_chk_judge(chk_ctx *c, const uint8_t *stream, size_t len,
                 const size_t *cuts, unsigned ncuts) {
  if (wr_chk_judge_whole(c, stream, len))
    return 1;
  return ncuts ? wr_chk_judge_cuts(c, stream, len, cuts, ncuts) : 0;
}

/* ---- running a mode ---------------------------------------------------- */

static void ctx_init(chk_ctx *c, const wr_check_decoder *dec,
                     const wr_check_options *opt) {
  memset(c, 0, sizeof *c);
  c->dec = dec;
  c->opt = opt;
}

static void ctx_free(chk_ctx *c) {
  wr_chk_guard_free(&c->guard);
  wr_chk_outcome_free(&c->whole);
  wr_chk_outcome_free(&c->cut);
  wr_chk_outcome_free(&c->ref);
}

/* Shrinks and reports the failing case; returns what the mode returns. */
static int found(chk_ctx *c, const char *mode, uint64_t schedules,
                 const uint8_t *stream, size_t len, const size_t *cuts,
                 unsigned ncuts, wr_check_report *report, int shrink) {
  uint8_t *s = malloc(len ? len : 1);
  size_t *k = malloc((ncuts ? ncuts : 1) * sizeof *k);
  if (!s || !k) {
    free(s);
    free(k);
    return wr_chk_misuse(c->opt, WR_ENOMEM, "out of memory shrinking a case");
  }
  /* stream and cuts may be NULL when empty: memcpy's arguments may not. */
  if (len)
    memcpy(s, stream, len);
  if (ncuts)
    memcpy(k, cuts, ncuts * sizeof *k);
  uint64_t runs = shrink ? wr_chk_shrink(c, s, &len, k, &ncuts) : 0;
  wr_check_report tmp, *r = report ? report : &tmp;
  int rc = wr_chk_report(c, mode, schedules, runs, s, len, k, ncuts, r);
  if (!report)
    wr_check_report_free(&tmp);
  free(s);
  free(k);
  return rc;
}

static void say_passed(const chk_ctx *c, const char *what, uint64_t n,
                       size_t len, wr_check_report *report) {
  if (report) {
    report->failed = 0;
    report->schedules = n;
  }
  if (c->opt->quiet)
    return;
  FILE *f = c->opt->where ? c->opt->where : stderr;
  fprintf(f,
          "wirerig check: %s: %llu schedule%s of a %zu-byte stream (%s): "
          "every oracle held\n",
          dec_name(c->dec), (unsigned long long)n, n == 1 ? "" : "s", len,
          what);
}

static int start(chk_ctx *c, size_t len, wr_check_report *report) {
  if (report)
    memset(report, 0, sizeof *report);
  if (wr_chk_guard_reserve(&c->guard, len + c->dec->spare))
    return wr_chk_misuse(c->opt, WR_ENOMEM,
                         "cannot map %zu bytes of guarded memory",
                         len + c->dec->spare);
  return 0;
}

/* ---- replay of a printed case ------------------------------------------ */

static int parse_hex(const char *s, size_t n, uint8_t **out, size_t *len) {
  if (n % 2)
    return -1;
  uint8_t *b = malloc(n / 2 + 1);
  if (!b)
    return -1;
  for (size_t i = 0; i < n; i += 2) {
    int hi = wr_hexval((unsigned char)s[i]),
        lo = wr_hexval((unsigned char)s[i + 1]);
    if (hi < 0 || lo < 0) {
      free(b);
      return -1;
    }
    b[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  *out = b;
  *len = n / 2;
  return 0;
}

static int parse_cuts(const char *s, size_t n, size_t len, size_t **out,
                      unsigned *ncuts) {
  size_t *k = malloc((n / 2 + 1) * sizeof *k);
  if (!k)
    return -1;
  unsigned m = 0;
  size_t i = 0;
  while (i < n) {
    size_t v = 0, d = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && d < 19)
      v = v * 10 + (size_t)(s[i++] - '0'), d++;
    if (d == 0 || v == 0 || v >= len || (m && v <= k[m - 1]) ||
        (i < n && s[i++] != ',')) {
      free(k);
      return -1;
    }
    k[m++] = v;
  }
  *out = k;
  *ncuts = m;
  return 0;
}

/* Finds "key=" in text and returns its value's extent. */
static const char *field(const char *text, const char *key, size_t *n) {
  size_t kl = strlen(key);
  for (const char *p = text; *p;) {
    while (*p == ' ')
      p++;
    const char *e = p;
    while (*e && *e != ' ')
      e++;
    if ((size_t)(e - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
      *n = (size_t)(e - p) - kl - 1;
      return p + kl + 1;
    }
    p = e;
  }
  return NULL;
}

static int same_name(const char *want, size_t n, const char *name) {
  /* Reports write the name with spaces as '_' to keep it one word. */
  if (strlen(name) != n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (want[i] != (name[i] == ' ' ? '_' : name[i]))
      return 0;
  return 1;
}

/* 1 when WR_CHECK_REPLAY is set (and *rc is the result), else 0. */
static int replay(const wr_check_decoder *dec, const wr_check_options *opt,
                  wr_check_report *report, int *rc) {
  const char *env = getenv(WR_CHECK_REPLAY_ENV);
  if (!env || !*env)
    return 0;
  char *owned = NULL;
  if (env[0] == '@') {
    uint8_t *text;
    size_t n;
    char err[200];
    if (wr_read_file(env + 1, 1u << 30, 1, &text, &n, err, sizeof err)) {
      *rc = wr_chk_misuse(opt, WR_EINVAL, "%s=%s: %s", WR_CHECK_REPLAY_ENV, env,
                          err);
      return 1;
    }
    for (size_t i = 0; i < n; i++)
      if (text[i] == '\n' || text[i] == '\r' || text[i] == '\t')
        text[i] = ' ';
    owned = (char *)text;
    env = owned;
  }
  size_t nn = 0, ns = 0, nc = 0;
  const char *name = field(env, "name", &nn), *hex = field(env, "stream", &ns),
             *cuts = field(env, "cuts", &nc);
  uint8_t *stream = NULL;
  size_t len = 0, *k = NULL;
  unsigned nk = 0;
  if (name && !same_name(name, nn, dec_name(dec))) {
    if (!opt->quiet)
      fprintf(opt->where ? opt->where : stderr,
              "wirerig check: %s: skipped, %s replays decoder '%.*s'\n",
              dec_name(dec), WR_CHECK_REPLAY_ENV, (int)nn, name);
    *rc = 0;
  } else if (!hex || parse_hex(hex, ns, &stream, &len) ||
             (cuts ? parse_cuts(cuts, nc, len, &k, &nk) : 0)) {
    *rc = wr_chk_misuse(opt, WR_EINVAL,
                        "%s: expected \"name=NAME stream=HEX cuts=A,B,...\" "
                        "(cuts strictly increasing, inside the stream), found "
                        "'%.200s'",
                        WR_CHECK_REPLAY_ENV, env);
  } else {
    if (!opt->quiet)
      fprintf(opt->where ? opt->where : stderr,
              "wirerig check: %s: replaying the case in %s (%zu bytes, %u "
              "cut%s)\n",
              dec_name(dec), WR_CHECK_REPLAY_ENV, len, nk, nk == 1 ? "" : "s");
    chk_ctx c;
    ctx_init(&c, dec, opt);
    *rc = start(&c, len, report);
    if (*rc == 0) {
      if (wr_chk_judge(&c, stream, len, k, nk))
        *rc = found(&c, "replay", 1, stream, len, k, nk, report, 0);
      else
        say_passed(&c, "replayed", 1, len, report);
    }
    ctx_free(&c);
  }
  free(stream);
  free(k);
  free(owned);
  return 1;
}

/* ---- the modes -------------------------------------------------------------
 */

int wr_check_exhaustive(const wr_check_decoder *dec,
                        const wr_check_options *opt, const void *stream,
                        size_t len, wr_check_report *report) {
  int rc = check_use(dec, opt, stream, len);
  if (rc)
    return rc;
  if (replay(dec, opt, report, &rc))
    return rc;
  unsigned max_cuts = opt->max_cuts ? opt->max_cuts : DEFAULT_MAX_CUTS;
  if (len > 0 && max_cuts > len - 1)
    max_cuts = (unsigned)(len - 1);
  uint64_t limit =
      opt->max_schedules ? opt->max_schedules : DEFAULT_MAX_SCHEDULES;
  uint64_t count = len ? wr_cut_iter_count(len, max_cuts) : 1;
  if (count > limit)
    return wr_chk_misuse(opt, WR_EINVAL,
                         "%s: %llu schedules of a %zu-byte stream with up to "
                         "%u cuts is over the limit of %llu; lower max_cuts, "
                         "raise max_schedules, or use wr_check_seeded",
                         dec_name(dec), (unsigned long long)count, len,
                         max_cuts, (unsigned long long)limit);
  if (max_cuts > WR_POLICY_MAX_CUTS)
    return wr_chk_misuse(opt, WR_EINVAL,
                         "%s: at most %d cuts per schedule, found %u",
                         dec_name(dec), WR_POLICY_MAX_CUTS, max_cuts);
  chk_ctx c;
  ctx_init(&c, dec, opt);
  const uint8_t *s = stream;
  if ((rc = start(&c, len, report)) != 0)
    goto out;
  if (wr_chk_judge_whole(&c, s, len)) {
    rc = found(&c, "exhaustive", 1, s, len, NULL, 0, report, 1);
    goto out;
  }
  uint64_t n = 1;
  if (len > 1 && max_cuts > 0) {
    wr_cut_iter it;
    char err[160];
    if (wr_cut_iter_init(&it, len, max_cuts, err, sizeof err)) {
      rc = wr_chk_misuse(opt, WR_EINVAL, "%s: %s", dec_name(dec), err);
      goto out;
    }
    wr_policy p;
    size_t cuts[WR_POLICY_MAX_CUTS];
    while (wr_cut_iter_next(&it, NULL, &p)) {
      if (p.ncuts == 0)
        continue; /* the whole stream: judged above */
      n++;
      for (uint32_t i = 0; i < p.ncuts; i++)
        cuts[i] = (size_t)p.cuts[i];
      if (wr_chk_judge_cuts(&c, s, len, cuts, p.ncuts)) {
        rc = found(&c, "exhaustive", n, s, len, cuts, p.ncuts, report, 1);
        goto out;
      }
    }
  }
  char what[64];
  snprintf(what, sizeof what, "every schedule with at most %u cut%s", max_cuts,
           max_cuts == 1 ? "" : "s");
  say_passed(&c, what, n, len, report);
out:
  ctx_free(&c);
  return rc;
}

/* The cuts schedule i of a seeded run makes: a pure function of the seed,
 * i, the policy and the length, so any one schedule can be made alone. */
static unsigned seeded_cuts(const wr_policy *p, uint64_t seed, uint64_t i,
                            size_t len, size_t *cuts) {
  uint64_t x = seed ^ (i * 0x9e3779b97f4a7c15ull);
  wr_prng r;
  wr_prng_seed(&r, wr_splitmix64(&x));
  unsigned n = 0;
  if (p->seg == WR_SEG_CUTS) {
    for (uint32_t k = 0; k < p->ncuts; k++)
      if (p->cuts[k] < len)
        cuts[n++] = (size_t)p->cuts[k];
    return n;
  }
  if (p->seg == WR_SEG_WHOLE)
    return 0;
  for (size_t at = 0;;) {
    uint64_t step = p->seg == WR_SEG_FIXED
                        ? p->seg_min
                        : wr_prng_range(&r, p->seg_min, p->seg_max);
    if (step >= len - at)
      break;
    at += (size_t)step;
    cuts[n++] = at;
  }
  return n;
}

int wr_check_seeded(const wr_check_decoder *dec, const wr_check_options *opt,
                    const void *stream, size_t len, wr_check_report *report) {
  int rc = check_use(dec, opt, stream, len);
  if (rc)
    return rc;
  if (replay(dec, opt, report, &rc))
    return rc;
  const char *ptext = opt->policy ? opt->policy : DEFAULT_POLICY;
  wr_policy p;
  char err[200];
  if (wr_policy_parse(ptext, &p, err, sizeof err))
    return wr_chk_misuse(opt, WR_EINVAL, "%s: policy '%s': %s", dec_name(dec),
                         ptext, err);
  uint64_t n = opt->schedules ? opt->schedules : DEFAULT_SCHEDULES;
  if (p.seg != WR_SEG_RANDOM)
    n = 1; /* every schedule of a fixed policy is the same one */
  size_t *cuts = malloc((len ? len : 1) * sizeof *cuts);
  if (!cuts)
    return wr_chk_misuse(opt, WR_ENOMEM, "out of memory");
  chk_ctx c;
  ctx_init(&c, dec, opt);
  const uint8_t *s = stream;
  if ((rc = start(&c, len, report)) != 0)
    goto out;
  if (wr_chk_judge_whole(&c, s, len)) {
    rc = found(&c, "seeded", 1, s, len, NULL, 0, report, 1);
    goto out;
  }
  for (uint64_t i = 0; i < n; i++) {
    unsigned k = len ? seeded_cuts(&p, opt->seed, i, len, cuts) : 0;
    if (wr_chk_judge_cuts(&c, s, len, cuts, k)) {
      rc = found(&c, "seeded", i + 1, s, len, cuts, k, report, 1);
      goto out;
    }
  }
  char what[300];
  snprintf(what, sizeof what, "seed %llu, policy %s",
           (unsigned long long)opt->seed, ptext);
  say_passed(&c, what, n, len, report);
out:
  free(cuts);
  ctx_free(&c);
  return rc;
}

int wr_check_cuts(const wr_check_decoder *dec, const wr_check_options *opt,
                  const void *stream, size_t len, const size_t *cuts,
                  unsigned ncuts, wr_check_report *report) {
  int rc = check_use(dec, opt, stream, len);
  if (rc)
    return rc;
  for (unsigned i = 0; i < ncuts; i++)
    if (!cuts || cuts[i] == 0 || cuts[i] >= len ||
        (i && cuts[i] <= cuts[i - 1]))
      return wr_chk_misuse(opt, WR_EINVAL,
                           "%s: cut %u must be in 1..%zu and after the one "
                           "before it",
                           dec_name(dec), i + 1, len ? len - 1 : 0);
  if (replay(dec, opt, report, &rc))
    return rc;
  chk_ctx c;
  ctx_init(&c, dec, opt);
  if ((rc = start(&c, len, report)) == 0) {
    if (wr_chk_judge(&c, stream, len, cuts, ncuts))
      rc = found(&c, "cuts", 1, stream, len, cuts, ncuts, report, 1);
    else
      say_passed(&c, "the given cuts", 1, len, report);
  }
  ctx_free(&c);
  return rc;
}
