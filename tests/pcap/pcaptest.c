/* Shared helpers of the pcap tests (pcaptest.h). */
#include "pcaptest.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static char dir[64];

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void cleanup(void) {
  if (dir[0] && !getenv("WIRERIG_KEEP_TMP"))
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *pt_dir(void) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/wirerig-pcap-XXXXXX");
    if (!mkdtemp(dir))
      TU_FAIL("mkdtemp failed");
    atexit(cleanup);
  }
  return dir;
}

const char *pt_path(const char *name) {
  static char ring[64][512];
  static int at;
  char *p = ring[at++ % 64];
  snprintf(p, 512, "%s/%s", pt_dir(), name);
  return p;
}

void pt_collect(const char *path, const wr_pcap_options *popt,
                const wr_tcp_options *topt, wr_pcap_capture *out) {
  char err[512] = "";
  int rc = wr_pcap_collect(path, popt, topt, NULL, NULL, out, err, sizeof err);
  TU_CHECK(rc == 0, "collecting %s failed (%s): %s", path, wr_err_name(rc),
           err);
}

const char *pt_collect_error(const char *path, const wr_pcap_options *popt,
                             int want) {
  static char err[512];
  err[0] = 0;
  wr_pcap_capture c;
  int rc = wr_pcap_collect(path, popt, NULL, NULL, NULL, &c, err, sizeof err);
  TU_CHECK(rc == want, "%s: expected %s, got %s (%s)", path, wr_err_name(want),
           wr_err_name(rc), err);
  TU_CHECK(c.count == 0 && c.flows == NULL, "a failed collect kept flows");
  return err;
}

void pt_expect_bytes(const wr_tcp_stream *s, const void *p, size_t n,
                     const char *what) {
  const uint8_t *want = p;
  size_t i = 0;
  while (i < n && i < s->len && s->data[i] == want[i])
    i++;
  if (i == n && s->len == n)
    return;
  tu_str a = {0}, b = {0};
  size_t from = i > 8 ? i - 8 : 0;
  tu_str_quote(&a, s->data + from, (s->len - from) > 40 ? 40 : s->len - from);
  tu_str_quote(&b, want + from, (n - from) > 40 ? 40 : n - from);
  TU_FAIL("%s: stream of %zu bytes, expected %zu; first difference at %zu:\n"
          "  got      %s\n  expected %s",
          what, s->len, n, i, tu_str_c(&a), tu_str_c(&b));
  tu_str_free(&a);
  tu_str_free(&b);
}

void pt_expect_one_gap(const wr_tcp_stream *s, uint64_t offset, uint64_t len,
                       wr_gap_reason reason, const char *what) {
  TU_CHECK(s->ngaps == 1, "%s: %zu gaps, expected 1", what, s->ngaps);
  TU_CHECK(s->gaps[0].offset == offset && s->gaps[0].len == len &&
               s->gaps[0].reason == reason,
           "%s: gap at %llu of %llu (%s), expected at %llu of %llu (%s)", what,
           (unsigned long long)s->gaps[0].offset,
           (unsigned long long)s->gaps[0].len,
           wr_gap_reason_name(s->gaps[0].reason), (unsigned long long)offset,
           (unsigned long long)len, wr_gap_reason_name(reason));
}

void pt_fill(void *p, size_t n, unsigned seed) {
  uint8_t *b = p;
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b[i] = (uint8_t)x;
  }
}

void pt_sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  char full[4300];
  snprintf(full, sizeof full, "(%s) >%s 2>&1", cmd, pt_path("cmd.log"));
  int rc = system(full);
  if (rc != 0) {
    char log[2048] = "";
    FILE *f = fopen(pt_path("cmd.log"), "r");
    if (f) {
      size_t n = fread(log, 1, sizeof log - 1, f);
      log[n] = 0;
      fclose(f);
    }
    TU_FAIL("command failed (status %d): %s\n%s", rc, cmd, log);
  }
}

int pt_have(const char *tool) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
  return system(cmd) == 0;
}

void pt_finish(cr_file *f) { TU_CHECK(cr_close(f) == 0, "write failed"); }

void pt_close_both(cr_conv *c) {
  cr_send(c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(c, CR_S2C, WR_TCP_FIN, NULL, 0);
  cr_send(c, CR_C2S, WR_TCP_ACK, NULL, 0);
}
