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
/* Appends a C string, whatever its length. */
void wr_run_sb_puts(wr_run_sb *b, const char *s);
/* Room for n more bytes and a NUL after len: 0, or -1 (oom set). Write
 * them at p + len, then add n to len. */
int wr_run_sb_reserve(wr_run_sb *b, size_t n);
/* Empties the text, keeping the storage. */
void wr_run_sb_clear(wr_run_sb *b);
/* The text: "" when nothing was added. */
const char *wr_run_sb_text(const wr_run_sb *b);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
/* Appends formatted text (at most 2047 bytes per call, for report lines). */
void wr_run_sb_printf(wr_run_sb *b, const char *fmt, ...);

#endif
