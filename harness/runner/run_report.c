/* The suite's reports (include/wirerig/runner.h): one line per scenario
 * (its report when it failed), a summary table, and the CI formats --
 * JUnit XML (one testcase per scenario and transport) and TAP 13. What
 * `wirerig run` prints, writable to any FILE. */
#include <stdio.h>
#include <string.h>

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

const char *wr_run_agreement_word(const wr_run_report *r) {
  return r->agreement > 0 ? "agree" : r->agreement == 0 ? "DISAGREE" : "-";
}

static void line(FILE *f, const wr_run_item *it) {
  if (it->bad) {
    fprintf(f, "BAD   %s\n%s", it->path, it->errors ? it->errors : "");
    return;
  }
  const wr_run_report *r = &it->rep;
  fprintf(f,
          "%-5s %s: sim %s (%llu runs: %llu seeds, %llu schedules), "
          "loopback %s (%llu runs), %s, %.2fs\n",
          r->kind == WR_RUN_K_PASS ? "PASS" : "FAIL", it->path,
          wr_run_verdict_word(r, 0), (unsigned long long)r->sim_runs,
          (unsigned long long)r->seeds, (unsigned long long)r->schedules,
          wr_run_verdict_word(r, 1), (unsigned long long)r->lo_runs,
          wr_run_agreement_word(r), r->seconds);
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

static void junit_case(FILE *f, const wr_run_item *it, int lo) {
  const wr_run_report *r = &it->rep;
  fprintf(f, "    <testcase classname=\"");
  xml_text(f, it->path);
  fprintf(f, "\" name=\"%s\" time=\"%.3f\">", lo ? "loopback" : "sim",
          r->seconds);
  if (it->bad) {
    fprintf(f, "<error type=\"bad-input\" message=\"parse errors\">");
    xml_text(f, it->errors);
    fprintf(f, "</error>");
  } else {
    int ran = lo ? r->ran_lo : r->ran_sim;
    wr_run_verdict v = lo ? r->lo : r->sim;
    int disagree_here = r->kind == WR_RUN_K_DISAGREE && lo;
    if (disagree_here || (ran && (v == WR_RUN_FAIL || v == WR_RUN_ERROR))) {
      fprintf(f, "<failure type=\"%s\" message=\"",
              disagree_here ? "disagreement" : kind_type(r->kind));
      xml_text(f, r->repro);
      fprintf(f, "\">");
      xml_text(f, r->text);
      fprintf(f, "</failure>");
    } else if (!ran || v == WR_RUN_SKIP) {
      fprintf(f, "<skipped message=\"");
      xml_text(f, ran ? r->skip_reason : "not run");
      fprintf(f, "\"/>");
    }
  }
  fprintf(f, "</testcase>\n");
}

int wr_run_write_junit(FILE *f, const wr_run_suite *s) {
  size_t fails = 0, errors = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (s->items[i].bad)
      errors += 2;
    else if (s->items[i].rep.kind != WR_RUN_K_PASS)
      fails++;
  }
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f,
          "<testsuites>\n  <testsuite name=\"wirerig run\" tests=\"%zu\" "
          "failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
          2 * s->n, fails, errors, s->seconds);
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
  size_t n = s->n;
  fprintf(f, "TAP version 13\n1..%zu\n", n);
  if (s->interrupted)
    fprintf(f, "# interrupted by signal %d: not a complete run\n",
            s->interrupted);
  for (size_t i = 0; i < n; i++) {
    const wr_run_item *it = &items[i];
    int ok = !it->bad && it->rep.kind == WR_RUN_K_PASS;
    fprintf(f, "%s %zu - %s\n", ok ? "ok" : "not ok", i + 1, it->path);
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
  unsigned long long pass = 0, fail = 0, bad = 0, sim = 0, lo = 0, seeds = 0,
                     sched = 0, agree = 0, compared = 0, disagree = 0;
  for (size_t i = 0; i < n; i++) {
    const wr_run_item *it = &items[i];
    if (it->bad) {
      bad++;
      continue;
    }
    const wr_run_report *r = &it->rep;
    if (r->kind == WR_RUN_K_PASS)
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
  fprintf(f, "\n%-10s %7s %7s %4s %10s %8s %10s %9s %11s %9s\n", "scenarios",
          "passed", "failed", "bad", "sim runs", "seeds", "schedules",
          "loopback", "agreement", "time");
  char ag[32];
  snprintf(ag, sizeof ag, "%llu/%llu", agree, compared);
  fprintf(f, "%-10zu %7llu %7llu %4llu %10llu %8llu %10llu %9llu %11s %8.2fs\n",
          n, pass, fail, bad, sim, seeds, sched, lo, ag, secs);
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
