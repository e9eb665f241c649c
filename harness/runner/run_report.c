/* The suite's reports (include/wirerig/runner.h): one line per scenario
 * (its report when it failed), a summary table, and the CI formats --
 * JUnit XML (one testcase per scenario and transport) and TAP 13. What
 * `wirerig run` prints, writable to any FILE. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wirerig/runner.h"

const char *wr_run_verdict_word(const wr_run_report *r, int lo) {
  int ran = lo ? r->ran_lo : r->ran_sim;
  wr_run_verdict v = lo ? r->lo : r->sim;
  if (!ran)
    return "not run";
  switch (v) {
  case WR_RUN_PASS:
    return "pass";
  case WR_RUN_FAIL:
    return "FAIL";
  case WR_RUN_SKIP:
    return "skipped";
  case WR_RUN_ERROR:
    return "ERROR";
  }
  return "?";
}

int wr_run_report_skipped(const wr_run_report *r) {
  int ran_sim = r->ran_sim && r->sim != WR_RUN_SKIP;
  int ran_lo = r->ran_lo && r->lo != WR_RUN_SKIP;
  return r->kind == WR_RUN_K_PASS && !ran_sim && !ran_lo;
}

/* "1 run", "2 runs": reports are read by people. */
static const char *plural(unsigned long long n, const char *one,
                          const char *many) {
  return n == 1 ? one : many;
}

const char *wr_run_agreement_word(const wr_run_report *r) {
  return r->agreement > 0 ? "agree" : r->agreement == 0 ? "DISAGREE" : "-";
}

static void line(FILE *f, const wr_run_item *it) {
  if (wr_run_item_elsewhere(it))
    return;
  if (it->bad) {
    fprintf(f, "BAD   %s\n%s", it->path, it->errors ? it->errors : "");
    return;
  }
  const wr_run_report *r = &it->rep;
  unsigned long long sim = r->sim_runs, seeds = r->seeds, sched = r->schedules,
                     lo = r->lo_runs;
  fprintf(f,
          "%-5s %s: sim %s (%llu %s: %llu %s, %llu %s), loopback %s (%llu %s), "
          "%s, %.2fs\n",
          wr_run_report_skipped(r)   ? "SKIP"
          : r->kind == WR_RUN_K_PASS ? "PASS"
                                     : "FAIL",
          it->path, wr_run_verdict_word(r, 0), sim, plural(sim, "run", "runs"),
          seeds, plural(seeds, "seed", "seeds"), sched,
          plural(sched, "schedule", "schedules"), wr_run_verdict_word(r, 1), lo,
          plural(lo, "run", "runs"), wr_run_agreement_word(r), r->seconds);
  if (r->capped)
    fprintf(f, "      exhaustive pass bounded: not every schedule of every "
               "small direction was tried\n");
  if (r->skip_reason[0])
    fprintf(f, "      skipped %s\n", r->skip_reason);
  if (r->text)
    fputs(r->text, f);
}

static void xml_text(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '&':
      fputs("&amp;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
        fprintf(f, "&#x%x;", (unsigned char)*s);
      else
        fputc(*s, f);
    }
  }
}

static const char *kind_type(wr_run_kind k) {
  switch (k) {
  case WR_RUN_K_FAIL:
    return "expectation";
  case WR_RUN_K_DISAGREE:
    return "disagreement";
  case WR_RUN_K_ERROR:
    return "error";
  case WR_RUN_K_BADINPUT:
    return "bad-input";
  default:
    return "pass";
  }
}

/* What one testcase (a file on one transport) came to. */
typedef enum junit_kind { J_PASS, J_FAIL, J_ERROR, J_SKIP } junit_kind;

static junit_kind junit_of(const wr_run_item *it, int lo) {
  const wr_run_report *r = &it->rep;
  if (it->bad)
    return J_ERROR; /* the file could not be run: not a test that failed */
  int ran = lo ? r->ran_lo : r->ran_sim;
  wr_run_verdict v = lo ? r->lo : r->sim;
  if (r->kind == WR_RUN_K_DISAGREE && lo)
    return J_FAIL;
  /* A harness error of a run (a target that does not start, exits before
   * it is ready) is the scenario failing against that target: a
   * <failure>, which CI shows with the test, not an <error> of the tool. */
  if (ran && (v == WR_RUN_FAIL || v == WR_RUN_ERROR))
    return J_FAIL;
  if (!ran || v == WR_RUN_SKIP)
    return J_SKIP;
  return J_PASS;
}

/* Whether a file's testcase on one transport belongs in this report: under
 * --shard, only where this share ran something there, or holds the file's
 * first slot (which reports a skip, a bad file, a transport not asked). */
static int junit_here(const wr_run_item *it, int lo) {
  const wr_run_report *r = &it->rep;
  if (r->shard_n <= 1 || r->shard_first)
    return 1;
  return !it->bad && (lo ? r->ran_lo : r->ran_sim);
}

static void junit_case(FILE *f, const wr_run_item *it, int lo) {
  const wr_run_report *r = &it->rep;
  if (!junit_here(it, lo))
    return;
  /* Each transport's testcase has its own share of the file's time, so
   * that the testcases add up to the files' time, not twice it. */
  double t = it->bad ? 0 : lo ? r->lo_seconds : r->sim_seconds;
  fprintf(f, "    <testcase classname=\"");
  xml_text(f, it->path);
  /* A share's testcase is named for its share: the N reports of a matrix
   * hold each (file, transport, share) once, however a viewer merges them. */
  fprintf(f, "\" name=\"%s", lo ? "loopback" : "sim");
  if (r->shard_n > 1)
    fprintf(f, " (shard %u/%u)", r->shard_k, r->shard_n);
  fprintf(f, "\" time=\"%.3f\" assertions=\"%llu\">", t < 0 ? 0 : t,
          (unsigned long long)(lo ? r->lo_runs : r->sim_runs));
  switch (junit_of(it, lo)) {
  case J_ERROR:
    fprintf(f, "<error type=\"bad-input\" message=\"parse errors\">");
    xml_text(f, it->errors);
    fprintf(f, "</error>");
    break;
  case J_FAIL:
    fprintf(f, "<failure type=\"%s\" message=\"",
            r->kind == WR_RUN_K_DISAGREE && lo ? "disagreement"
                                               : kind_type(r->kind));
    xml_text(f, r->repro[0] ? r->repro : "the run could not complete");
    fprintf(f, "\">");
    xml_text(f, r->text);
    fprintf(f, "</failure>");
    break;
  case J_SKIP:
    fprintf(f, "<skipped message=\"");
    xml_text(f, (lo ? r->ran_lo : r->ran_sim) ? r->skip_reason : "not run");
    fprintf(f, "\"/>");
    break;
  case J_PASS:
    break;
  }
  fprintf(f, "</testcase>\n");
}

int wr_run_write_junit(FILE *f, const wr_run_suite *s) {
  size_t count[4] = {0}, tests = 0;
  for (size_t i = 0; i < s->n; i++)
    for (int lo = 0; lo < 2; lo++)
      if (junit_here(&s->items[i], lo)) {
        count[junit_of(&s->items[i], lo)]++;
        tests++;
      }
  char host[256] = "localhost", stamp[32] = "1970-01-01T00:00:00";
  if (gethostname(host, sizeof host) != 0)
    strcpy(host, "localhost");
  host[sizeof host - 1] = '\0';
  time_t now = time(NULL);
  struct tm tm;
  if (gmtime_r(&now, &tm))
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f,
          "<testsuites>\n  <testsuite name=\"wirerig run\" tests=\"%zu\" "
          "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" "
          "timestamp=\"%s\" hostname=\"",
          tests, count[J_FAIL], count[J_ERROR], count[J_SKIP], s->seconds,
          stamp);
  xml_text(f, host);
  fprintf(f, "\">\n");
  /* A suite stopped by a signal says so: its report is not a complete
   * run's, whatever the counts look like. */
  if (s->interrupted)
    fprintf(f,
            "    <properties><property name=\"interrupted\" "
            "value=\"signal %d\"/></properties>\n",
            s->interrupted);
  for (size_t i = 0; i < s->n; i++) {
    junit_case(f, &s->items[i], 0);
    junit_case(f, &s->items[i], 1);
  }
  fprintf(f, "  </testsuite>\n</testsuites>\n");
  return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

void wr_run_write_tap(FILE *f, const wr_run_suite *s) {
  const wr_run_item *items = s->items;
  size_t n = s->n, here = 0, k = 0;
  for (size_t i = 0; i < n; i++)
    here += !wr_run_item_elsewhere(&items[i]);
  fprintf(f, "TAP version 13\n1..%zu\n", here);
  if (s->interrupted)
    fprintf(f, "# interrupted by signal %d: not a complete run\n",
            s->interrupted);
  for (size_t i = 0; i < n; i++) {
    const wr_run_item *it = &items[i];
    if (wr_run_item_elsewhere(it))
      continue;
    int ok = !it->bad && it->rep.kind == WR_RUN_K_PASS;
    fprintf(f, "%s %zu - %s", ok ? "ok" : "not ok", ++k, it->path);
    if (ok && wr_run_report_skipped(&it->rep)) {
      /* The reason on one line: TAP ends the directive at the newline. */
      fputs(" # SKIP ", f);
      for (const char *p = it->rep.skip_reason; *p; p++)
        fputc(*p == '\n' || *p == '#' ? ' ' : *p, f);
      if (!it->rep.skip_reason[0])
        fputs("no transport asked for", f);
    }
    fputc('\n', f);
    const char *text = it->bad ? it->errors : it->rep.text;
    if (!ok && text) {
      fprintf(f, "  ---\n  message: |\n");
      for (const char *p = text; *p;) {
        size_t l = strcspn(p, "\n");
        fprintf(f, "    %.*s\n", (int)l, p);
        p += l + (p[l] == '\n');
      }
      fprintf(f, "  ...\n");
    }
  }
}

void wr_run_write_summary(FILE *f, const wr_run_suite *s) {
  const wr_run_item *items = s->items;
  size_t n = s->n;
  double secs = s->seconds;
  unsigned long long pass = 0, fail = 0, bad = 0, skip = 0, sim = 0, lo = 0,
                     seeds = 0, sched = 0, agree = 0, compared = 0,
                     disagree = 0;
  size_t here = 0;
  for (size_t i = 0; i < n; i++) {
    const wr_run_item *it = &items[i];
    if (wr_run_item_elsewhere(it))
      continue;
    here++;
    if (it->bad) {
      bad++;
      continue;
    }
    const wr_run_report *r = &it->rep;
    if (wr_run_report_skipped(r))
      skip++;
    else if (r->kind == WR_RUN_K_PASS)
      pass++;
    else
      fail++;
    sim += r->sim_runs;
    lo += r->lo_runs;
    seeds += r->seeds;
    sched += r->schedules;
    if (r->agreement >= 0)
      compared++;
    if (r->agreement > 0)
      agree++;
    if (r->agreement == 0)
      disagree++;
  }
  fprintf(f, "\n%-10s %7s %7s %7s %4s %10s %8s %10s %9s %11s %9s\n",
          "scenarios", "passed", "failed", "skipped", "bad", "sim runs",
          "seeds", "schedules", "loopback", "agreement", "time");
  char ag[32];
  snprintf(ag, sizeof ag, "%llu/%llu", agree, compared);
  fprintf(f,
          "%-10zu %7llu %7llu %7llu %4llu %10llu %8llu %10llu %9llu %11s "
          "%8.2fs\n",
          here, pass, fail, skip, bad, sim, seeds, sched, lo, ag, secs);
  if (secs > 0 && sim)
    fprintf(f,
            "(%.0f runs/s; agreement: scenarios whose simnet and loopback "
            "observations agree / scenarios run on both%s)\n",
            (double)(sim + lo) / secs, disagree ? "; DISAGREEMENTS above" : "");
  if (s->interrupted)
    fprintf(f,
            "INTERRUPTED by signal %d: the files above that did not finish "
            "are ERROR; this is not a complete run\n",
            s->interrupted);
}

void wr_run_write_lines(FILE *f, const wr_run_suite *s) {
  for (size_t i = 0; i < s->n; i++)
    line(f, &s->items[i]);
}
