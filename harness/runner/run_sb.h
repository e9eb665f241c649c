/* A growing string for the runner's reports and commands (run_sb.c). */
#ifndef WIRERIG_RUN_SB_H
#define WIRERIG_RUN_SB_H

#include <stddef.h>

typedef struct wr_run_sb {
  char *p; /* NUL-terminated once anything was added */
  size_t len, cap;
  int oom; /* an addition failed: the text is incomplete */
} wr_run_sb;

/* Appends n bytes, whatever they are. */
void wr_run_sb_put(wr_run_sb *b, const char *s, size_t n);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
/* Appends formatted text (at most 2047 bytes per call, for report lines). */
void wr_run_sb_printf(wr_run_sb *b, const char *fmt, ...);

#endif
