/* The runner's suites through the library API (include/wirerig/runner.h):
 * which files a list of paths names (wr_run_collect: order, extension,
 * nested and empty directories, problems), the reports written from a
 * suite (JUnit well-formed with its counts and one testcase per file and
 * transport, TAP's plan and ok / not ok, the summary's counts), and
 * wr_run_suite_run giving the same items with 1 worker and with 2. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "wirerig/runner.h"

/* ---- a scratch directory ---------------------------------------------- */

static char root[256];

static void mk_dir(const char *rel) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  assert_int_equal(mkdir(p, 0755), 0);
}

static void mk_file(const char *rel, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static const char *at(const char *rel) {
  static char p[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "%s%s%s", root, rel[0] ? "/" : "", rel);
  return p[k];
}

static int setup_root(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/wr_suite_XXXXXX");
  if (!mkdtemp(root))
    return -1;
  return 0;
}

static int teardown_root(void **state) {
  (void)state;
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : -1;
}

/* The list as one string, a path a line, relative to root. */
static char *listing(const wr_run_files *f) {
  tu_str b = {0};
  size_t rl = strlen(root);
  for (size_t i = 0; i < f->n; i++)
    tu_str_printf(&b, "%s\n",
                  strncmp(f->v[i], root, rl) == 0 ? f->v[i] + rl + 1 : f->v[i]);
  char *s = strdup(tu_str_c(&b));
  tu_str_free(&b);
  return s;
}

typedef struct problems {
  tu_str log;
  int go_on;
} problems;

static int note_problem(void *ctx, const char *path,
                        wr_run_collect_problem what, int err) {
  problems *p = ctx;
  size_t rl = strlen(root);
  static const char *names[] = {"missing", "unreadable", "too-deep", "empty",
                                "nomem"};
  tu_str_printf(&p->log, "%s %s %d\n", names[what],
                strncmp(path, root, rl) == 0 ? path + rl : path, err);
  return !p->go_on;
}

/* ---- wr_run_collect ----------------------------------------------------- */

static const char *good = "server listen active=false\n"
                          "client connect server\n";

static void make_tree(void) {
  mk_dir("t");
  mk_file("t/b.scn", good);
  mk_file("t/a.scn", good);
  mk_file("t/notes.txt", "not a scenario\n");
  mk_file("t/.hidden.scn", good);
  mk_file("t/a.scn~", good);
  mk_file("t/x.shrunk.scn", good);
  mk_dir("t/aa");
  mk_dir("t/sub");
  mk_file("t/sub/c.scn", good);
  mk_dir("t/sub/deeper");
  mk_file("t/sub/deeper/e.scn", good);
  mk_file("t/sub/deeper/d.scn", good);
  mk_dir("t/z.scn"); /* a directory named like a scenario is searched */
  mk_file("t/z.scn/y.scn", good);
  assert_int_equal(symlink("a.scn", at("t/link.scn")), 0);
  assert_int_equal(symlink("sub", at("t/linkdir")), 0);
  assert_int_equal(symlink("nowhere.scn", at("t/dangling.scn")), 0);
  mk_dir("empty");
}

static void test_collect_sorted_nested_extension(void **state) {
  (void)state;
  make_tree();
  const char *paths[] = {at("t")};
  wr_run_files f = {0};
  problems p = {0};
  wr_run_collect_opts o = {.problem = note_problem, .ctx = &p};
  assert_int_equal(wr_run_collect(paths, 1, &o, &f), 0);
  char *got = listing(&f);
  /* strcmp order of the full names ('.' < 'a'), depth first; hidden, ~,
   * .txt, shrunk, dangling links and links to directories left out. */
  assert_string_equal(got, "t/a.scn\n"
                           "t/b.scn\n"
                           "t/link.scn\n"
                           "t/sub/c.scn\n"
                           "t/sub/deeper/d.scn\n"
                           "t/sub/deeper/e.scn\n"
                           "t/z.scn/y.scn\n");
  assert_string_equal(tu_str_c(&p.log), "");
  free(got);
  wr_run_files_free(&f);
  assert_int_equal(f.n, 0);

  /* shrunk: the runner's own files too (what `check` validates). */
  o.shrunk = 1;
  assert_int_equal(wr_run_collect(paths, 1, &o, &f), 0);
  got = listing(&f);
  assert_string_equal(got, "t/a.scn\n"
                           "t/b.scn\n"
                           "t/link.scn\n"
                           "t/sub/c.scn\n"
                           "t/sub/deeper/d.scn\n"
                           "t/sub/deeper/e.scn\n"
                           "t/x.shrunk.scn\n"
                           "t/z.scn/y.scn\n");
  free(got);
  wr_run_files_free(&f);
  tu_str_free(&p.log);
}

static void test_collect_files_named_and_order_of_paths(void **state) {
  (void)state;
  /* A file named is taken whatever its name; paths keep their order. */
  const char *paths[] = {at("t/sub"), at("t/notes.txt"), at("t/x.shrunk.scn"),
                         at("t/a.scn")};
  wr_run_files f = {0};
  assert_int_equal(wr_run_collect(paths, 4, NULL, &f), 0);
  char *got = listing(&f);
  assert_string_equal(got, "t/sub/c.scn\n"
                           "t/sub/deeper/d.scn\n"
                           "t/sub/deeper/e.scn\n"
                           "t/notes.txt\n"
                           "t/x.shrunk.scn\n"
                           "t/a.scn\n");
  free(got);
  wr_run_files_free(&f);
}

static void test_collect_empty_and_missing(void **state) {
  (void)state;
  const char *paths[] = {at("empty"), at("nope"), at("t/aa"), at("t/b.scn")};
  wr_run_files f = {0};
  problems p = {.go_on = 1};
  wr_run_collect_opts o = {.problem = note_problem, .ctx = &p};
  assert_int_equal(wr_run_collect(paths, 4, &o, &f), -1);
  char want[256];
  snprintf(want, sizeof want,
           "empty /empty %d\nmissing /nope %d\nempty /t/aa %d\n", ENOENT,
           ENOENT, ENOENT);
  assert_string_equal(tu_str_c(&p.log), want);
  char *got = listing(&f);
  assert_string_equal(got, "t/b.scn\n"); /* went on after the problems */
  free(got);
  wr_run_files_free(&f);
  tu_str_free(&p.log);

  /* Stopping at the first problem (the callback's answer, or no callback) */
  p.go_on = 0;
  assert_int_equal(wr_run_collect(paths + 1, 3, &o, &f), -1);
  assert_int_equal(f.n, 0);
  snprintf(want, sizeof want, "missing /nope %d\n", ENOENT);
  assert_string_equal(tu_str_c(&p.log), want);
  assert_int_equal(wr_run_collect(paths + 1, 3, NULL, &f), -1);
  assert_int_equal(f.n, 0);
  tu_str_free(&p.log);
}

/* Files given to a callback, in order, instead of the list. */
static int count_file(void *ctx, const char *path) {
  tu_str_printf(ctx, "%s\n", path + strlen(root) + 1);
  return 0;
}

static void test_collect_through_callback(void **state) {
  (void)state;
  const char *paths[] = {at("t/sub")};
  tu_str b = {0};
  wr_run_collect_opts o = {.file = count_file, .ctx = &b};
  assert_int_equal(wr_run_collect(paths, 1, &o, NULL), 0);
  assert_string_equal(tu_str_c(&b), "t/sub/c.scn\n"
                                    "t/sub/deeper/d.scn\n"
                                    "t/sub/deeper/e.scn\n");
  tu_str_free(&b);
}

static void test_scenario_names(void **state) {
  (void)state;
  assert_true(wr_run_is_scenario_name("a.scn", 0));
  assert_false(wr_run_is_scenario_name(".scn", 0));
  assert_false(wr_run_is_scenario_name("a.scn~", 0));
  assert_false(wr_run_is_scenario_name("a.SCN", 0));
  assert_false(wr_run_is_scenario_name("a.shrunk.scn", 0));
  assert_true(wr_run_is_scenario_name("a.shrunk.scn", 1));
}

/* ---- the reports, from a suite made by hand ------------------------------ */

static wr_run_item mk_item(const char *path, wr_run_kind kind) {
  wr_run_item it;
  memset(&it, 0, sizeof it);
  it.path = (char *)path;
  it.rep.kind = kind;
  it.rep.ran_sim = it.rep.ran_lo = 1;
  it.rep.agreement = 1;
  it.rep.sim_runs = 100;
  it.rep.lo_runs = 1;
  it.rep.seeds = 90;
  it.rep.schedules = 10;
  it.rep.seconds = 0.5;
  it.rep.sim_seconds = 0.375;
  it.rep.lo_seconds = 0.125;
  return it;
}

/* pass.scn passes; fail.scn fails on simnet (loopback not run);
 * bad.scn is bad input; dis.scn disagrees; skip.scn is skipped on
 * loopback. */
static void hand_suite(wr_run_suite *s, wr_run_item items[5]) {
  items[0] = mk_item("pass.scn", WR_RUN_K_PASS);
  items[1] = mk_item("dir/fail<1>.scn", WR_RUN_K_FAIL);
  items[1].rep.sim = WR_RUN_FAIL;
  items[1].rep.ran_lo = 0;
  items[1].rep.lo_runs = 0;
  items[1].rep.agreement = -1;
  items[1].rep.text = (char *)"FAIL x\n  expected: \"a&b\" <x>\n";
  snprintf(items[1].rep.repro, sizeof items[1].rep.repro,
           "wirerig run fail.scn --schedule 'c->s=cuts:1'");
  items[2] = mk_item("bad.scn", WR_RUN_K_PASS);
  items[2].bad = 1;
  items[2].errors = (char *)"bad.scn:4:20: bad escape '\\q'\n";
  items[3] = mk_item("dis.scn", WR_RUN_K_DISAGREE);
  items[3].rep.agreement = 0;
  items[3].rep.text = (char *)"DISAGREE\n";
  items[4] = mk_item("skip.scn", WR_RUN_K_PASS);
  items[4].rep.lo = WR_RUN_SKIP;
  items[4].rep.agreement = -1;
  snprintf(items[4].rep.skip_reason, sizeof items[4].rep.skip_reason,
           "on loopback: net drop");
  memset(s, 0, sizeof *s); /* interrupted and whatever comes next: 0 */
  s->items = items;
  s->n = 5;
  s->seconds = 2.5;
}

/* What a writer wrote, as a string. */
static char *capture(void (*w)(FILE *, const wr_run_suite *),
                     int (*wi)(FILE *, const wr_run_suite *),
                     const wr_run_suite *s) {
  FILE *f = tmpfile();
  assert_non_null(f);
  if (w)
    w(f, s);
  else
    assert_int_equal(wi(f, s), 0);
  long n = ftell(f);
  assert_true(n > 0);
  rewind(f);
  char *buf = calloc(1, (size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  return buf;
}

static size_t count(const char *hay, const char *needle) {
  size_t k = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    k++;
  return k;
}

/* A small well-formedness check: tags nest and match, one root element,
 * attribute values quoted without '<', every '&' an entity, no control
 * characters but \n and \t. Returns NULL, or what is wrong. */
static const char *xml_wrong(const char *x) {
  char stack[16][32];
  int depth = 0, roots = 0;
  for (const char *p = x; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x20 && c != '\n' && c != '\t')
      return "a control character";
    if (c == '&') {
      static const char *ents[] = {"&lt;",   "&gt;",   "&amp;",
                                   "&quot;", "&apos;", "&#x"};
      int ok = 0;
      for (size_t k = 0; k < 6; k++)
        ok |= strncmp(p, ents[k], strlen(ents[k])) == 0;
      if (!ok)
        return "a bare &";
      continue;
    }
    if (c != '<')
      continue;
    if (p[1] == '?') {
      p = strstr(p, "?>");
      if (!p)
        return "an unterminated <?";
      p++;
      continue;
    }
    int closing = p[1] == '/';
    const char *n = p + 1 + closing;
    size_t nl = strcspn(n, " \t\n/>");
    if (nl == 0 || nl >= sizeof stack[0])
      return "a bad tag name";
    /* to the end of the tag, through quoted values */
    const char *q = n + nl;
    int quoted = 0;
    for (; *q && (quoted || *q != '>'); q++) {
      if (*q == '"')
        quoted = !quoted;
      else if (quoted && *q == '<')
        return "a '<' in an attribute";
      else if (!quoted && *q == '=' && q[1] != '"')
        return "an unquoted attribute";
    }
    if (!*q)
      return "an unterminated tag";
    if (closing) {
      if (depth == 0 || strlen(stack[depth - 1]) != nl ||
          strncmp(stack[depth - 1], n, nl) != 0)
        return "a closing tag that does not match";
      depth--;
    } else if (q[-1] != '/') {
      if (depth == 0)
        roots++;
      if (depth == 16)
        return "too deep";
      memcpy(stack[depth], n, nl);
      stack[depth++][nl] = '\0';
    } else if (depth == 0) {
      roots++;
    }
    p = q;
  }
  if (depth)
    return "unclosed elements";
  return roots == 1 ? NULL : "not one root element";
}

static void test_junit(void **state) {
  (void)state;
  wr_run_suite s;
  wr_run_item items[5];
  hand_suite(&s, items);
  char *x = capture(NULL, wr_run_write_junit, &s);
  const char *wrong = xml_wrong(x);
  if (wrong)
    fail_msg("JUnit not well-formed: %s:\n%s", wrong, x);
  assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  /* 5 files x 2 transports; fail and dis fail; bad is an error twice;
   * fail's loopback (not run) and skip's loopback are skipped */
  assert_non_null(strstr(x, "<testsuite name=\"wirerig run\" tests=\"10\" "
                            "failures=\"2\" errors=\"2\" skipped=\"2\" "
                            "time=\"2.500\" timestamp=\""));
  assert_non_null(strstr(x, "\" hostname=\""));
  assert_int_equal(count(x, "<testcase "), 10);
  assert_int_equal(count(x, "</testcase>"), 10);
  assert_int_equal(count(x, "name=\"sim\""), 5);
  assert_int_equal(count(x, "name=\"loopback\""), 5);
  assert_int_equal(count(x, "<failure "), 2);
  assert_int_equal(count(x, "<error "), 2);
  /* fail: sim failed, loopback not run; skip: loopback skipped */
  assert_non_null(
      strstr(x, "<testcase classname=\"dir/fail&lt;1&gt;.scn\" name=\"sim\" "
                "time=\"0.375\" assertions=\"100\"><failure "
                "type=\"expectation\" message=\"wirerig run "
                "fail.scn --schedule 'c-&gt;s=cuts:1'\">FAIL x\n  expected: "
                "&quot;a&amp;b&quot; &lt;x&gt;\n</failure></testcase>\n"));
  assert_non_null(
      strstr(x, "<testcase classname=\"dir/fail&lt;1&gt;.scn\" "
                "name=\"loopback\" time=\"0.125\" assertions=\"0\"><skipped "
                "message=\"not run\"/></testcase>\n"));
  assert_non_null(
      strstr(x, "name=\"loopback\" time=\"0.125\" assertions=\"1\"><skipped "
                "message=\"on loopback: net drop\"/>"));
  /* each transport has its share of the file's time (they used to carry
   * the whole time twice) */
  assert_non_null(strstr(x, "<testcase classname=\"pass.scn\" name=\"sim\" "
                            "time=\"0.375\" assertions=\"100\"></testcase>\n"));
  assert_non_null(strstr(
      x, "<testcase classname=\"pass.scn\" "
         "name=\"loopback\" time=\"0.125\" assertions=\"1\"></testcase>\n"));
  /* the disagreement is loopback's failure, sim passed */
  assert_non_null(strstr(x, "<testcase classname=\"dis.scn\" name=\"sim\" "
                            "time=\"0.375\" assertions=\"100\"></testcase>\n"));
  assert_non_null(
      strstr(x, "<testcase classname=\"dis.scn\" "
                "name=\"loopback\" time=\"0.125\" assertions=\"1\"><failure "
                "type=\"disagreement\""));
  assert_non_null(strstr(x, "<error type=\"bad-input\" message=\"parse "
                            "errors\">bad.scn:4:20: bad escape '\\q'\n"
                            "</error>"));
  assert_true(strstr(x, "</testsuite>\n</testsuites>\n") + 27 == x + strlen(x));
  free(x);

  /* The checker itself catches what it is for. */
  assert_non_null(xml_wrong("<a><b></a></b>"));
  assert_non_null(xml_wrong("<a>x & y</a>"));
  assert_non_null(xml_wrong("<a x=\"<\"/>"));
  assert_non_null(xml_wrong("<a></a><b/>"));
  assert_null(xml_wrong("<?xml?>\n<a><b x=\"1\"/>&lt;</a>\n"));
}

/* Under --shard a report holds this share's runs: testcases are named for
 * the share and carry their run counts; a transport none of whose runs fell
 * here is left out, and so is a file of which nothing did (a bad file is
 * reported by the share that holds its first slot). */
static void test_junit_shard(void **state) {
  (void)state;
  wr_run_suite s;
  wr_run_item items[5];
  hand_suite(&s, items);
  for (int i = 0; i < 5; i++) {
    items[i].rep.shard_k = 2;
    items[i].rep.shard_n = 3;
  }
  items[0].rep.shard_first = 1; /* pass.scn: slot 0 here */
  items[0].rep.sim_runs = 34;
  items[2].rep.shard_first = 0; /* bad.scn: reported elsewhere */
  items[3].rep.ran_lo = 0;      /* dis.scn: its loopback run elsewhere */
  items[3].rep.lo_runs = 0;
  items[3].rep.kind = WR_RUN_K_PASS;
  items[3].rep.agreement = -1;
  items[3].rep.text = NULL;
  items[4].rep.ran_sim = items[4].rep.ran_lo = 0; /* skip.scn: nothing */
  items[4].rep.sim_runs = items[4].rep.lo_runs = 0;
  assert_int_equal(wr_run_item_elsewhere(&items[0]), 0);
  assert_int_equal(wr_run_item_elsewhere(&items[2]), 1);
  assert_int_equal(wr_run_item_elsewhere(&items[3]), 0);
  assert_int_equal(wr_run_item_elsewhere(&items[4]), 1);
  char *x = capture(NULL, wr_run_write_junit, &s);
  const char *wrong = xml_wrong(x);
  if (wrong)
    fail_msg("JUnit not well-formed: %s:\n%s", wrong, x);
  /* pass.scn 2, fail.scn sim only, dis.scn sim only */
  assert_non_null(strstr(x, "tests=\"4\" failures=\"1\" errors=\"0\" "
                            "skipped=\"0\""));
  assert_int_equal(count(x, "<testcase "), 4);
  assert_int_equal(count(x, "(shard 2/3)\""), 4);
  assert_non_null(strstr(x, "<testcase classname=\"pass.scn\" "
                            "name=\"sim (shard 2/3)\" time=\"0.375\" "
                            "assertions=\"34\"></testcase>\n"));
  assert_null(strstr(x, "bad.scn"));
  assert_null(strstr(x, "skip.scn"));
  assert_null(strstr(x, "classname=\"dis.scn\" name=\"loopback"));
  free(x);
  char *t = capture(wr_run_write_tap, NULL, &s);
  assert_non_null(strstr(t, "1..3\n"));
  assert_non_null(strstr(t, "ok 3 - dis.scn\n"));
  assert_null(strstr(t, "bad.scn"));
  free(t);
  /* a share that holds no run passes: the matrix's shape */
  wr_run_suite empty = s;
  empty.items = &items[4];
  empty.n = 1;
  assert_int_equal(wr_run_suite_status(&empty), 0);
  assert_int_equal(wr_run_suite_ran(&empty), 0);
  /* ... but a bad file in this share still makes the suite bad */
  items[2].rep.shard_first = 1;
  assert_int_equal(wr_run_suite_status(&s), 2);
}

static void test_tap(void **state) {
  (void)state;
  wr_run_suite s;
  wr_run_item items[5];
  hand_suite(&s, items);
  char *t = capture(wr_run_write_tap, NULL, &s);
  assert_string_equal(t, "TAP version 13\n"
                         "1..5\n"
                         "ok 1 - pass.scn\n"
                         "not ok 2 - dir/fail<1>.scn\n"
                         "  ---\n"
                         "  message: |\n"
                         "    FAIL x\n"
                         "      expected: \"a&b\" <x>\n"
                         "  ...\n"
                         "not ok 3 - bad.scn\n"
                         "  ---\n"
                         "  message: |\n"
                         "    bad.scn:4:20: bad escape '\\q'\n"
                         "  ...\n"
                         "not ok 4 - dis.scn\n"
                         "  ---\n"
                         "  message: |\n"
                         "    DISAGREE\n"
                         "  ...\n"
                         "ok 5 - skip.scn\n");
  free(t);
}

static void test_lines_and_summary(void **state) {
  (void)state;
  wr_run_suite s;
  wr_run_item items[5];
  hand_suite(&s, items);
  char *l = capture(wr_run_write_lines, NULL, &s);
  assert_non_null(strstr(l, "PASS  pass.scn: sim pass (100 runs: 90 seeds, "
                            "10 schedules), loopback pass (1 run), agree, "
                            "0.50s\n"));
  assert_non_null(strstr(l, "FAIL  dir/fail<1>.scn: sim FAIL (100 runs: 90 "
                            "seeds, 10 schedules), loopback not run (0 runs), "
                            "-, 0.50s\nFAIL x\n"));
  assert_non_null(strstr(l, "BAD   bad.scn\nbad.scn:4:20: bad escape"));
  assert_non_null(strstr(l, ", DISAGREE, 0.50s\nDISAGREE\n"));
  assert_non_null(strstr(l, "      skipped on loopback: net drop\n"));
  free(l);

  char *t = capture(wr_run_write_summary, NULL, &s);
  const char *row = strchr(t + 1, '\n');
  assert_non_null(row);
  unsigned long long n, pass, fail, skip, bad, sim, seeds, sched, lo;
  char ag[32];
  assert_int_equal(
      sscanf(row + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %31s", &n,
             &pass, &fail, &skip, &bad, &sim, &seeds, &sched, &lo, ag),
      10);
  assert_int_equal(skip, 0); /* skip.scn ran on simnet: it passed */
  assert_int_equal(n, 5);
  assert_int_equal(pass, 2);
  assert_int_equal(fail, 2);
  assert_int_equal(bad, 1);
  assert_int_equal(sim, 400);
  assert_int_equal(seeds, 360);
  assert_int_equal(sched, 40);
  assert_int_equal(lo, 3);        /* fail.scn did not run on loopback */
  assert_string_equal(ag, "1/2"); /* pass agrees, dis does not */
  assert_non_null(strstr(t, "DISAGREEMENTS above"));
  free(t);

  assert_int_equal(wr_run_suite_status(&s), 2);
  s.n = 2; /* pass, fail */
  assert_int_equal(wr_run_suite_status(&s), 1);
  s.n = 1;
  assert_int_equal(wr_run_suite_status(&s), 0);
  assert_string_equal(wr_run_verdict_word(&items[1].rep, 0), "FAIL");
  assert_string_equal(wr_run_verdict_word(&items[1].rep, 1), "not run");
  assert_string_equal(wr_run_verdict_word(&items[4].rep, 1), "skipped");
  assert_string_equal(wr_run_agreement_word(&items[3].rep), "DISAGREE");
}

/* ---- wr_run_suite_run: 1 worker, 2 workers ----------------------------- */

static void done_order(void *ctx, size_t i, const wr_run_item *it) {
  assert_non_null(it->path);
  tu_str_printf(ctx, "%zu ", i);
}

static void same_item(const wr_run_item *a, const wr_run_item *b) {
  assert_string_equal(a->path, b->path);
  assert_int_equal(a->bad, b->bad);
  assert_int_equal(!a->errors, !b->errors);
  if (a->errors)
    assert_string_equal(a->errors, b->errors);
  assert_int_equal(!a->title, !b->title);
  if (a->title)
    assert_string_equal(a->title, b->title);
  assert_int_equal(a->rep.kind, b->rep.kind);
  assert_int_equal(a->rep.sim, b->rep.sim);
  assert_int_equal(a->rep.ran_sim, b->rep.ran_sim);
  assert_int_equal(a->rep.ran_lo, b->rep.ran_lo);
  assert_int_equal(a->rep.sim_runs, b->rep.sim_runs);
  assert_int_equal(a->rep.seeds, b->rep.seeds);
  assert_int_equal(a->rep.schedules, b->rep.schedules);
  assert_int_equal(a->rep.agreement, b->rep.agreement);
  assert_string_equal(a->rep.repro, b->rep.repro);
  assert_int_equal(!a->rep.text, !b->rep.text);
  if (a->rep.text)
    assert_string_equal(a->rep.text, b->rep.text);
}

static void test_suite_jobs_give_the_same_items(void **state) {
  (void)state;
  mk_dir("s");
  mk_file("s/1-pass.scn", "scenario \"passes\"\n"
                          "server listen packet=2 active=false\n"
                          "client connect server packet=2\n"
                          "client send \"hello\"\n"
                          "server recv -> \"hello\"\n"
                          "client close\n"
                          "server recv -> error closed\n");
  mk_file("s/2-fail.scn", "scenario \"fails across a cut\"\n"
                          "server listen active=false\n"
                          "client connect server\n"
                          "client send \"hello\"\n"
                          "server recv -> \"hello\"\n");
  mk_file("s/3-bad.scn", "server listen active=false\n"
                         "client send \"bad \\q escape\"\n");
  mk_file("s/4-pass.scn", "scenario \"also passes\"\n"
                          "server listen active=false\n"
                          "client connect server\n"
                          "client send \"x\"\n"
                          "server recv -> \"x\"\n");
  const char *dir[] = {at("s")};
  wr_run_files f = {0};
  assert_int_equal(wr_run_collect(dir, 1, NULL, &f), 0);
  assert_int_equal(f.n, 4);

  wr_run_opts o;
  memset(&o, 0, sizeof o);
  o.sim = 1; /* simnet only: deterministic, no sockets */
  o.seeds = 5;
  o.exhaustive = 12;
  o.no_shrink = 1;
  o.prog = "wirerig";
  wr_run_suite one = {0}, two = {0}, three = {0};
  tu_str order1 = {0}, order2 = {0};
  wr_run_suite_opts so1 = {.jobs = 1, .done = done_order, .ctx = &order1};
  wr_run_suite_opts so2 = {.jobs = 2, .done = done_order, .ctx = &order2};
  wr_run_suite_opts so3 = {.jobs = 3};
  const char *const *files = (const char *const *)f.v;
  assert_int_equal(wr_run_suite_run(files, f.n, &o, &so1, &one), 0);
  assert_int_equal(wr_run_suite_run(files, f.n, &o, &so2, &two), 0);
  assert_int_equal(wr_run_suite_run(files, f.n, &o, &so3, &three), 0);
  assert_int_equal(one.n, 4);
  assert_int_equal(two.n, 4);
  assert_string_equal(tu_str_c(&order1), "0 1 2 3 ");
  /* with workers, each file once, whatever the order */
  for (size_t i = 0; i < 4; i++) {
    char k[8];
    snprintf(k, sizeof k, "%zu ", i);
    assert_non_null(strstr(tu_str_c(&order2), k));
  }
  assert_int_equal(strlen(tu_str_c(&order2)), 8);

  /* The results are real: what each file must give. */
  assert_false(one.items[0].bad);
  assert_int_equal(one.items[0].rep.kind, WR_RUN_K_PASS);
  assert_string_equal(one.items[0].title, "passes");
  assert_true(one.items[0].rep.sim_runs >= 5);
  assert_true(one.items[0].rep.schedules > 0);
  assert_int_equal(one.items[1].rep.kind, WR_RUN_K_FAIL);
  assert_non_null(one.items[1].rep.text);
  assert_non_null(strstr(one.items[1].rep.text, "observed: \""));
  assert_non_null(strstr(one.items[1].rep.repro, "--schedule"));
  assert_true(one.items[2].bad);
  assert_non_null(strstr(one.items[2].errors, "3-bad.scn:2:"));
  assert_int_equal(one.items[3].rep.kind, WR_RUN_K_PASS);
  for (size_t i = 0; i < 4; i++) {
    assert_string_equal(one.items[i].path, f.v[i]);
    same_item(&one.items[i], &two.items[i]);
    same_item(&one.items[i], &three.items[i]);
  }
  assert_int_equal(wr_run_suite_status(&one), 2);
  assert_int_equal(wr_run_suite_status(&two), 2);

  /* And the reports written from either are the same, times aside. */
  char *tap1 = capture(wr_run_write_tap, NULL, &one);
  char *tap2 = capture(wr_run_write_tap, NULL, &two);
  assert_string_equal(tap1, tap2);
  free(tap1);
  free(tap2);

  wr_run_suite_free(&one);
  wr_run_suite_free(&two);
  wr_run_suite_free(&three);
  assert_null(one.items);
  tu_str_free(&order1);
  tu_str_free(&order2);
  wr_run_files_free(&f);
}

/* A file skipped on every transport asked for ran nothing: SKIP in the
 * lines and the summary, `ok ... # SKIP` in TAP, <skipped/> in JUnit, and
 * a suite of only such files does not pass. It used to be PASS, "1 runs". */
static void test_skipped_everywhere(void **state) {
  (void)state;
  wr_run_item items[2];
  items[0] = mk_item("target/kv.scn", WR_RUN_K_PASS);
  items[0].rep.sim = WR_RUN_SKIP;
  items[0].rep.ran_lo = 0;
  items[0].rep.agreement = -1;
  items[0].rep.sim_runs = items[0].rep.seeds = items[0].rep.schedules = 0;
  items[0].rep.lo_runs = 0;
  snprintf(items[0].rep.skip_reason, sizeof items[0].rep.skip_reason,
           "simnet: the file says `transports loopback`");
  items[1] = items[0];
  items[1].path = (char *)"target/two.scn";
  wr_run_suite s = {.items = items, .n = 2, .seconds = 1.0};
  assert_true(wr_run_report_skipped(&items[0].rep));
  char *l = capture(wr_run_write_lines, NULL, &s);
  assert_non_null(strstr(l, "SKIP  target/kv.scn: sim skipped (0 runs: 0 "
                            "seeds, 0 schedules), loopback not run (0 runs)"));
  free(l);
  char *t = capture(wr_run_write_tap, NULL, &s);
  assert_non_null(strstr(t, "ok 1 - target/kv.scn # SKIP simnet: the file "
                            "says `transports loopback`\n"));
  free(t);
  char *x = capture(NULL, wr_run_write_junit, &s);
  assert_non_null(strstr(x, "skipped=\"4\""));
  assert_int_equal(count(x, "<skipped "), 4);
  free(x);
  char *sum = capture(wr_run_write_summary, NULL, &s);
  unsigned long long n, pass, fail, skip;
  assert_int_equal(sscanf(strchr(sum + 1, '\n') + 1, "%llu %llu %llu %llu", &n,
                          &pass, &fail, &skip),
                   4);
  assert_int_equal(pass, 0);
  assert_int_equal(skip, 2);
  free(sum);
  assert_int_equal(wr_run_suite_ran(&s), 0);
  assert_int_equal(wr_run_suite_status(&s), 1);
  /* one file that ran makes the suite a pass again */
  items[1].rep.sim = WR_RUN_PASS;
  items[1].rep.sim_runs = 1;
  assert_false(wr_run_report_skipped(&items[1].rep));
  assert_int_equal(wr_run_suite_status(&s), 0);
}

/* One spelling of a path in every report. */
static void test_path_normalize(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"scenarios//partial/x.scn", "scenarios/partial/x.scn"},
      {"./scenarios/./x.scn", "scenarios/x.scn"},
      {"/tmp//a/", "/tmp/a"},
      {"../a//b", "../a/b"},
      {".", "."},
      {"./", "."},
      {"/", "/"},
      {"x.scn", "x.scn"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *p = wr_run_path_normalize(cases[i][0]);
    assert_non_null(p);
    assert_string_equal(p, cases[i][1]);
    free(p);
  }
}

static void test_suite_of_nothing(void **state) {
  (void)state;
  wr_run_opts o;
  memset(&o, 0, sizeof o);
  o.sim = 1;
  wr_run_suite s;
  wr_run_suite_opts so = {.jobs = 4};
  assert_int_equal(wr_run_suite_run(NULL, 0, &o, &so, &s), 0);
  assert_int_equal(s.n, 0);
  /* nothing ran: not a pass (issue #15) */
  assert_int_equal(wr_run_suite_ran(&s), 0);
  assert_int_equal(wr_run_suite_status(&s), 1);
  char *t = capture(wr_run_write_tap, NULL, &s);
  assert_string_equal(t, "TAP version 13\n1..0\n");
  free(t);
  wr_run_suite_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_collect_sorted_nested_extension),
      cmocka_unit_test(test_skipped_everywhere),
      cmocka_unit_test(test_path_normalize),
      cmocka_unit_test(test_collect_files_named_and_order_of_paths),
      cmocka_unit_test(test_collect_empty_and_missing),
      cmocka_unit_test(test_collect_through_callback),
      cmocka_unit_test(test_scenario_names),
      cmocka_unit_test(test_junit),
      cmocka_unit_test(test_junit_shard),
      cmocka_unit_test(test_tap),
      cmocka_unit_test(test_lines_and_summary),
      cmocka_unit_test(test_suite_jobs_give_the_same_items),
      cmocka_unit_test(test_suite_of_nothing),
  };
  return cmocka_run_group_tests(tests, setup_root, teardown_root);
}
