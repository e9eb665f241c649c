/* The fuzz entry for a user's server (statefuzz.h, wr_sf_server_fuzz_one)
 * and the replay of a finding's scenario file. */
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "sf_int.h"
#include "wirerig/error.h"

#define U_MAX_FILE (1u << 20)

int wr_sf_server_run_file(const wr_sf_server *srv, const char *path,
                          wr_sf_outcome *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  uint8_t *text;
  size_t len;
  char e[256];
  if (wr_read_file(path, U_MAX_FILE, 1, &text, &len, e, sizeof e) != 0) {
    snprintf(err, errlen, "%s: %s", path, e);
    return WR_EIO;
  }
  wr_scn_config cfg = {.max_data = 64 * 1024, .no_files = 1};
  wr_scenario *s = wr_scn_parse(path, (const char *)text, len, &cfg);
  free(text);
  if (!s) {
    snprintf(err, errlen, "%s: out of memory parsing it", path);
    return WR_ENOMEM;
  }
  int rc;
  unsigned long long seed = 0;
  if (s->nerrors) {
    snprintf(err, errlen, "%s:%u:%u: %s", path, s->errors[0].line,
             s->errors[0].col, s->errors[0].msg);
    rc = WR_EINVAL;
  } else if (!s->title || sscanf(s->title, "statefuzz seed %llu", &seed) != 1) {
    snprintf(err, errlen,
             "%s: expected the title a finding carries, `scenario "
             "\"statefuzz seed N\"`, found %s%s%s",
             path, s->title ? "\"" : "no title", s->title ? s->title : "",
             s->title ? "\"" : "");
    rc = WR_EINVAL;
  } else {
    rc = wr_sf_server_run_scenario(srv, s, seed, out, err, errlen);
  }
  wr_scn_free(s);
  return rc;
}

typedef struct same_ctx {
  const wr_sf_server *srv;
  const wr_sf_outcome *want;
} same_ctx;

static int still_fails(void *ctx, const uint8_t *data, size_t len) {
  same_ctx *c = ctx;
  wr_sf_outcome o;
  char err[256];
  return wr_sf_server_run(c->srv, data, len, &o, err, sizeof err) == 0 &&
         wr_sf_same_outcome(&o, c->want);
}

/* The replay binary's own path, for the printed command. */
static void self_path(char *buf, size_t len) {
  FILE *f = fopen("/proc/self/cmdline", "r");
  size_t n = f ? fread(buf, 1, len - 1, f) : 0;
  if (f)
    fclose(f);
  buf[n] = '\0';
  if (!n)
    snprintf(buf, len, "FUZZ_BINARY");
}

static uint64_t fnv(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
  return h;
}

static void report(const wr_sf_server *srv, const wr_sf_outcome *o,
                   const uint8_t *data, size_t size) {
  const char *name = srv->name ? srv->name : "server";
  uint8_t *small = NULL;
  size_t nsmall = 0;
  unsigned runs = 0;
  same_ctx sc = {srv, o};
  if (wr_sf_shrink(data, size, still_fails, &sc, 0, &small, &nsmall, &runs))
    return;
  wr_sf_case before, after;
  wr_sf_outcome so;
  char err[256];
  if (wr_sf_decode(data, size, NULL, &before) ||
      wr_sf_decode(small, nsmall, NULL, &after)) {
    free(small);
    return;
  }
  wr_sf_server_run(srv, small, nsmall, &so, err, sizeof err);
  char self[512], comment[1500];
  self_path(self, sizeof self);
  snprintf(comment, sizeof comment,
           "%s: found by the server fuzzer (statefuzz.h)\n"
           "%s\n"
           "shrunk from %zu to %zu client operations in %u runs\n"
           "`s` is the server under test (its options are its own); `c` is\n"
           "the fuzzed client. Replay: %s=THIS_FILE %s THIS_FILE",
           name, so.failed ? so.why : o->why, o->nops, so.nops, runs,
           WR_SF_SCENARIO_ENV, self);
  fprintf(stderr, "statefuzz: %s: %s\n", name, o->why);
  fprintf(stderr, "statefuzz: shrunk case (%zu operations):\n", so.nops);
  wr_sf_write_scenario(stderr, &after, comment, 0);
  const char *dir = getenv(WR_SF_CASE_DIR_ENV);
  if (dir && *dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s-%016llx.scn", dir, name,
             (unsigned long long)fnv(after.text, after.len));
    FILE *f = fopen(path, "w");
    if (f && wr_sf_write_scenario(f, &after, comment, 0) == 0 && fclose(f) == 0)
      fprintf(stderr,
              "statefuzz: written to %s\nstatefuzz: replay: %s=%s %s %s\n",
              path, WR_SF_SCENARIO_ENV, path, self, path);
    else
      fprintf(stderr, "statefuzz: cannot write %s\n", path);
  } else {
    fprintf(stderr,
            "statefuzz: save the case above as FILE and replay it: %s=FILE "
            "%s FILE (or set %s=DIR to have it written)\n",
            WR_SF_SCENARIO_ENV, self, WR_SF_CASE_DIR_ENV);
  }
  wr_sf_case_free(&before);
  wr_sf_case_free(&after);
  free(small);
}

int wr_sf_server_fuzz_one(const wr_sf_server *srv, const uint8_t *data,
                          size_t size) {
  wr_sf_outcome o;
  char err[512];
  const char *file = getenv(WR_SF_SCENARIO_ENV);
  int rc = file && *file
               ? wr_sf_server_run_file(srv, file, &o, err, sizeof err)
               : wr_sf_server_run(srv, data, size, &o, err, sizeof err);
  if (rc) {
    /* bad use (listen_opts, a file that is no finding): loud, not skipped */
    fprintf(stderr, "statefuzz: %s\n", err);
    abort();
  }
  if (!o.failed)
    return 0;
  if (file && *file)
    fprintf(stderr, "statefuzz: %s: %s: %s\n", srv->name ? srv->name : "server",
            file, o.why);
  else
    report(srv, &o, data, size);
  abort();
}
