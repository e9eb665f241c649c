/* The report of a failing case: what was fed, how it was cut, what was
 * expected and what came out, and one command that reproduces exactly this
 * run (the failing case set in WR_CHECK_REPLAY, in front of the test
 * program's own command line). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "base/strbuf.h"
#include "check_int.h"

/* Messages listed in full; the rest are counted. */
#define LIST_MAX 20
/* Bytes of a stream shown escaped and in hex in the report (the replay
 * line always carries all of it). */
#define SHOW_MAX 2048
/* Longer replay strings go to a file: a command line argument is limited
 * to 128 KiB on Linux. */
#define INLINE_REPLAY_MAX (64u << 10)

static void outcome_text(wr_strbuf *b, const chk_outcome *o,
                         const char *indent) {
  if (o->bad[0]) {
    wr_strbuf_printf(b, "%sthe decoder broke its contract: %s\n", indent,
                     o->bad);
    if (!o->nmsgs)
      return;
  }
  wr_strbuf_printf(b, "%s%zu message%s\n", indent, o->nmsgs,
                   o->nmsgs == 1 ? "" : "s");
  for (size_t i = 0; i < o->nmsgs && i < LIST_MAX; i++) {
    const chk_msg *m = &o->msgs[i];
    wr_strbuf_printf(b, "%s  #%zu", indent, i + 1);
    if (m->tag)
      wr_strbuf_printf(b, " tag %lld", (long long)m->tag);
    wr_strbuf_printf(b, " (%zu bytes): ", m->len);
    size_t show = m->len < SHOW_MAX ? m->len : SHOW_MAX;
    wr_strbuf_quote(b, wr_chk_msg_bytes(o, m), show);
    if (show < m->len)
      wr_strbuf_puts(b, "...");
    wr_strbuf_puts(b, "\n");
  }
  if (o->nmsgs > LIST_MAX)
    wr_strbuf_printf(b, "%s  ... and %zu more\n", indent, o->nmsgs - LIST_MAX);
  if (o->error)
    wr_strbuf_printf(b, "%send: error %d after %zu bytes were fed\n", indent,
                     o->error, o->error_at);
  else if (o->finish_error)
    wr_strbuf_printf(b, "%send: finish returned error %d\n", indent,
                     o->finish_error);
  else if (o->left)
    wr_strbuf_printf(b, "%send: %zu bytes left undecoded\n", indent, o->left);
  else
    wr_strbuf_printf(b, "%send: ok\n", indent);
}

/* Where two outcomes first part, as a phrase. */
static void first_difference(wr_strbuf *b, const chk_outcome *want,
                             const chk_outcome *got) {
  size_t n = want->nmsgs < got->nmsgs ? want->nmsgs : got->nmsgs;
  for (size_t i = 0; i < n; i++) {
    const chk_msg *x = &want->msgs[i], *y = &got->msgs[i];
    if (x->len != y->len || x->tag != y->tag ||
        memcmp(wr_chk_msg_bytes(want, x), wr_chk_msg_bytes(got, y), x->len)) {
      wr_strbuf_printf(b, "  first difference: message #%zu\n", i + 1);
      return;
    }
  }
  if (want->nmsgs != got->nmsgs)
    wr_strbuf_printf(b, "  first difference: message #%zu (%s)\n", n + 1,
                     want->nmsgs > got->nmsgs ? "missing" : "extra");
  else
    wr_strbuf_puts(b, "  first difference: how the stream ended\n");
}

static void shell_quote(wr_strbuf *b, const char *s) {
  if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789_-+=./:,@%") == strlen(s)) {
    wr_strbuf_puts(b, s);
    return;
  }
  wr_strbuf_puts(b, "'");
  for (; *s; s++) {
    if (*s == '\'')
      wr_strbuf_puts(b, "'\\''");
    else
      wr_strbuf_put(b, s, 1);
  }
  wr_strbuf_puts(b, "'");
}

/* The test program's own command line (or only the program), quoted for
 * a shell. */
static void own_command(wr_strbuf *b, const wr_check_options *opt,
                        int program_only) {
  if (opt->argv0) {
    shell_quote(b, opt->argv0);
    return;
  }
  uint8_t *cmd = NULL;
  size_t n = 0;
  char err[160];
  if (wr_read_file("/proc/self/cmdline", 1u << 20, 0, &cmd, &n, err,
                   sizeof err) != 0 ||
      n == 0) {
    wr_strbuf_puts(b, "./your-test");
    free(cmd);
    return;
  }
  for (size_t i = 0; i < n;) {
    const char *arg = (const char *)cmd + i;
    if (i)
      wr_strbuf_puts(b, " ");
    shell_quote(b, arg);
    if (program_only)
      break;
    i += strlen(arg) + 1;
  }
  free(cmd);
}

static void replay_text(wr_strbuf *b, const char *name, const uint8_t *s,
                        size_t len, const size_t *cuts, unsigned ncuts) {
  wr_strbuf_puts(b, "name=");
  for (const char *p = name; *p; p++)
    wr_strbuf_put(b, *p == ' ' ? "_" : p, 1);
  wr_strbuf_puts(b, " stream=");
  for (size_t i = 0; i < len; i++)
    wr_strbuf_printf(b, "%02x", s[i]);
  wr_strbuf_puts(b, " cuts=");
  for (unsigned i = 0; i < ncuts; i++)
    wr_strbuf_printf(b, "%s%zu", i ? "," : "", cuts[i]);
}

/* Writes text to dir/name atomically (a temporary name, then rename). */
static int write_file(const char *dir, const char *name, const void *data,
                      size_t len, char *path, size_t pathlen) {
  char tmp[4096];
  snprintf(path, pathlen, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name);
  int fd = mkstemp(tmp);
  if (fd < 0)
    return -1;
  const uint8_t *p = data;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, p + done, len - done);
    if (w <= 0) {
      close(fd);
      unlink(tmp);
      return -1;
    }
    done += (size_t)w;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* Bytes as the scenario language writes them: x"00 05 68 ...". */
static void scn_bytes(wr_strbuf *b, const uint8_t *p, size_t n) {
  wr_strbuf_puts(b, "x\"");
  for (size_t i = 0; i < n; i++)
    wr_strbuf_printf(b, "%s%02x", i ? " " : "", p[i]);
  wr_strbuf_puts(b, "\"");
}

/* The failing case as a scenario file (docs/scenarios.md), when the
 * reference is a gen_tcp packet type: the same stream, cut by the same
 * schedule, into a socket with that framing, expecting the packets the
 * reference cut. `wirerig run` on it checks the socket model agrees with
 * the reference on exactly this case; it is the case in the project's
 * common currency, to keep beside the scenario suite. Returns 0, or -1
 * when the framing has no scenario spelling (a truncation length). */
static int case_scenario(wr_strbuf *b, const char *name, const char *oracle,
                         const wr_framing *f, const uint8_t *stream, size_t len,
                         const size_t *cuts, unsigned ncuts,
                         const chk_outcome *ref) {
  if (f->trunc_len)
    return -1;
  wr_strbuf_printf(b,
                   "# wirerig check: %s failed %s on this stream and\n"
                   "# these cuts. Here the same bytes, cut the same way, go\n"
                   "# into a gen_tcp socket with the reference framing: the\n"
                   "# packets it delivers are the ones the decoder had to\n"
                   "# give.\n",
                   name, oracle);
  wr_strbuf_printf(b, "scenario \"check %s\"\n", name);
  wr_strbuf_printf(b, "server listen packet=%s active=false",
                   wr_packet_type_name(f->type));
  if (f->packet_size)
    wr_strbuf_printf(b, " packet_size=%u", (unsigned)f->packet_size);
  if (f->type == WR_PACKET_LINE && f->delimiter != '\n')
    wr_strbuf_printf(b, " line_delimiter=%u", (unsigned)f->delimiter);
  wr_strbuf_puts(b, "\nclient connect server\n");
  if (ncuts) {
    wr_strbuf_puts(b, "net client->server cuts:");
    for (unsigned i = 0; i < ncuts; i++)
      wr_strbuf_printf(b, "%s%zu", i ? "," : "", cuts[i]);
    wr_strbuf_puts(b, "\n");
  }
  wr_strbuf_puts(b, "client send ");
  scn_bytes(b, stream, len);
  wr_strbuf_puts(b, "\n");
  int http = wr_packet_type_is_http(f->type);
  int state = f->type == WR_PACKET_HTTPH || f->type == WR_PACKET_HTTPH_BIN
                  ? WR_HTTP_HEADERS
                  : WR_HTTP_REQUEST_LINE;
  for (size_t i = 0; i < ref->nmsgs; i++) {
    const chk_msg *m = &ref->msgs[i];
    wr_strbuf_puts(b, "server recv -> ");
    if (http) {
      wr_http_packet hp;
      wr_http_parse(wr_chk_msg_bytes(ref, m), m->len, &state, &hp);
      int bin = wr_packet_type_is_http_bin(f->type);
      int n = wr_http_render(&hp, bin, NULL, 0);
      char *t = n >= 0 ? malloc((size_t)n + 1) : NULL;
      if (!t)
        return -1;
      wr_http_render(&hp, bin, t, (size_t)n + 1);
      wr_strbuf_printf(b, "http %s\n", t);
      free(t);
    } else {
      scn_bytes(b, wr_chk_msg_bytes(ref, m), m->len);
      wr_strbuf_puts(b, "\n");
    }
  }
  if (ref->error)
    wr_strbuf_puts(b, "server recv -> error emsgsize\n");
  return 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

int wr_chk_report(chk_ctx *c, const char *mode, uint64_t schedules,
                  uint64_t shrink_runs, const uint8_t *stream, size_t len,
                  const size_t *cuts, unsigned ncuts, wr_check_report *r) {
  const wr_check_options *opt = c->opt;
  const char *name = c->dec->name ? c->dec->name : "decoder";
  /* Re-make the outcomes of exactly this case for the report. */
  wr_chk_judge(c, stream, len, cuts, ncuts);
  const char *oracle = c->oracle ? c->oracle : "split invariance";

  memset(r, 0, sizeof *r);
  r->failed = 1;
  r->oracle = oracle;
  r->schedules = schedules;
  r->shrink_runs = shrink_runs;
  r->stream = malloc(len ? len : 1);
  r->cuts = malloc((ncuts ? ncuts : 1) * sizeof *r->cuts);
  if (!r->stream || !r->cuts) {
    wr_check_report_free(r);
    return wr_chk_misuse(opt, WR_ENOMEM, "out of memory writing a report");
  }
  if (len) /* stream and cuts may be NULL when empty */
    memcpy(r->stream, stream, len);
  r->stream_len = len;
  if (ncuts)
    memcpy(r->cuts, cuts, ncuts * sizeof *cuts);
  r->ncuts = ncuts;

  /* What each oracle compares. */
  const chk_outcome *want = &c->whole, *got = &c->cut;
  const char *want_what = "the whole stream in one call",
             *got_what = "with the cuts";
  if (strcmp(oracle, "reference") == 0) {
    want = &c->ref;
    got = &c->whole;
    want_what = opt->reference->use_packet ? "the gen_tcp packet type"
                                           : "the reference decoder";
    got_what = "the decoder, whole stream in one call";
  } else if (strcmp(oracle, "round trip") == 0) {
    got_what = "decoding the encoded messages";
  } else if (strcmp(oracle, "decoder") == 0 &&
             (c->whole.bad[0] || c->whole.oom)) {
    got = &c->whole;
  }

  wr_strbuf e = {0}, o = {0}, t = {0}, rp = {0};
  outcome_text(&e, want, "    ");
  outcome_text(&o, got, "    ");

  wr_strbuf_printf(&t, "wirerig check: %s: %s failed (%s mode, schedule %llu",
                   name, oracle, mode, (unsigned long long)schedules);
  if (shrink_runs)
    wr_strbuf_printf(&t, "; shrunk in %llu runs",
                     (unsigned long long)shrink_runs);
  wr_strbuf_puts(&t, ")\n");
  size_t show = len < SHOW_MAX ? len : SHOW_MAX;
  wr_strbuf_printf(&t, "  stream (%zu bytes): ", len);
  wr_strbuf_quote(&t, stream, show);
  wr_strbuf_printf(&t, "%s\n  hex:", show < len ? "..." : "");
  for (size_t i = 0; i < show; i++)
    wr_strbuf_printf(&t, " %02x", stream[i]);
  wr_strbuf_printf(&t, "%s\n", show < len ? " ..." : "");
  if (ncuts) {
    wr_strbuf_printf(&t, "  cuts (%u):", ncuts);
    for (unsigned i = 0; i < ncuts; i++)
      wr_strbuf_printf(&t, " %zu", cuts[i]);
    wr_strbuf_puts(&t, " -> reads of");
    size_t at = 0;
    for (unsigned i = 0; i <= ncuts; i++) {
      size_t end = i < ncuts ? cuts[i] : len;
      wr_strbuf_printf(&t, "%s %zu", i ? "," : "", end - at);
      at = end;
    }
    wr_strbuf_puts(&t, " bytes\n");
  } else {
    wr_strbuf_puts(&t, "  cuts: none (the whole stream in one call)\n");
  }
  wr_strbuf_printf(&t, "  expected (%s):\n%s", want_what, e.p ? e.p : "");
  wr_strbuf_printf(&t, "  observed (%s):\n%s", got_what, o.p ? o.p : "");
  first_difference(&t, want, got);

  /* The reproducing command: under libFuzzer the program and a file with
   * the case in the check layout (libFuzzer and the replay binary both
   * run a file named on their command line); elsewhere the case in
   * WR_CHECK_REPLAY before the test's own command line. */
  char path[4096];
  char fname[64];
  snprintf(fname, sizeof fname, "wirerig-case-%016llx",
           (unsigned long long)fnv1a(stream, len) ^ ncuts);
  uint8_t *fz = NULL;
  size_t fzlen = 0;
  int have_fz =
      wr_check_fuzz_encode(stream, len, cuts, ncuts, &fz, &fzlen) == 0;
  wr_strbuf rtext = {0};
  if (c->fuzz && have_fz &&
      write_file(opt->case_dir ? opt->case_dir : ".", fname, fz, fzlen, path,
                 sizeof path) == 0) {
    own_command(&rp, opt, 1);
    wr_strbuf_puts(&rp, " ");
    shell_quote(&rp, path);
  } else {
    replay_text(&rtext, name, stream, len, cuts, ncuts);
    wr_strbuf_printf(&rp, "%s=", WR_CHECK_REPLAY_ENV);
    if (rtext.len > INLINE_REPLAY_MAX && rtext.p) {
      const char *dir = opt->case_dir ? opt->case_dir : "/tmp";
      char rname[80];
      snprintf(rname, sizeof rname, "%s.case", fname);
      if (write_file(dir, rname, rtext.p, rtext.len, path, sizeof path) == 0) {
        wr_strbuf_puts(&rp, "@");
        shell_quote(&rp, path);
      } else {
        shell_quote(&rp, rtext.p);
      }
    } else {
      shell_quote(&rp, rtext.p ? rtext.p : "");
    }
    wr_strbuf_puts(&rp, " ");
    own_command(&rp, opt, 0);
  }
  wr_strbuf_printf(&t, "  reproduce: %s\n", rp.p ? rp.p : "");

  if (opt->case_dir && opt->reference && opt->reference->use_packet) {
    /* The reference outcome of exactly this case. */
    chk_outcome ref = {0};
    wr_chk_run_framing(&opt->reference->framing, stream, len, &ref);
    wr_strbuf scn = {0};
    char sname[80];
    snprintf(sname, sizeof sname, "%s.scn", fname);
    if (!ref.oom &&
        case_scenario(&scn, name, oracle, &opt->reference->framing, stream, len,
                      cuts, ncuts, &ref) == 0 &&
        !scn.oom &&
        write_file(opt->case_dir, sname, scn.p, scn.len, path, sizeof path) ==
            0)
      wr_strbuf_printf(&t, "  scenario: %s\n", path);
    wr_strbuf_free(&scn);
    wr_chk_outcome_free(&ref);
  }
  if (opt->case_dir && !c->fuzz) {
    if (have_fz &&
        write_file(opt->case_dir, fname, fz, fzlen, path, sizeof path) == 0)
      wr_strbuf_printf(&t, "  fuzz input: %s\n", path);
    else
      wr_strbuf_printf(&t, "  fuzz input: none (%s)\n",
                       have_fz
                           ? "could not write it"
                           : "a read over 256 bytes does not fit the layout");
  }
  free(fz);

  r->expected = wr_strbuf_take(&e);
  r->observed = wr_strbuf_take(&o);
  r->repro = wr_strbuf_take(&rp);
  r->text = wr_strbuf_take(&t);
  wr_strbuf_free(&rtext);
  if (!r->expected || !r->observed || !r->repro || !r->text) {
    wr_check_report_free(r);
    return wr_chk_misuse(opt, WR_ENOMEM, "out of memory writing a report");
  }
  if (!opt->quiet) {
    FILE *f = opt->where ? opt->where : stderr;
    fputs(r->text, f);
    fflush(f);
  }
  return 1;
}

void wr_check_report_free(wr_check_report *r) {
  if (!r)
    return;
  free(r->stream);
  free(r->cuts);
  free(r->expected);
  free(r->observed);
  free(r->repro);
  free(r->text);
  memset(r, 0, sizeof *r);
}
