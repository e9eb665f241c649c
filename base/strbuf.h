/* A growing NUL-terminated string for reports and commands. Private to
 * wirerig's libraries. An allocation failure is sticky (oom): the text is
 * then incomplete, and the caller reports WR_ENOMEM instead of a report
 * that silently lost its end. */
#ifndef WIRERIG_BASE_STRBUF_H
#define WIRERIG_BASE_STRBUF_H

#include <stddef.h>

typedef struct wr_strbuf {
  char *p; /* NULL until something is added */
  size_t len, cap;
  int oom;
} wr_strbuf;

/* Appends n bytes, whatever they are. */
void wr_strbuf_put(wr_strbuf *b, const char *s, size_t n);
void wr_strbuf_puts(wr_strbuf *b, const char *s);
/* Appends formatted text of any length. */
void wr_strbuf_printf(wr_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends bytes as a C-style quoted string: printable ASCII as is, \" \\
 * \n \r \t, \xHH for the rest. */
void wr_strbuf_quote(wr_strbuf *b, const unsigned char *s, size_t n);
/* Room for n more bytes and a NUL after len: 0, or -1 (oom set). Write
 * them at p + len, then add n to len. */
int wr_strbuf_reserve(wr_strbuf *b, size_t n);
/* Empties the text, keeping the storage. */
void wr_strbuf_clear(wr_strbuf *b);
/* The text: "" when nothing was added. */
const char *wr_strbuf_text(const wr_strbuf *b);
/* Hands the string over (never NULL unless oom: "" when empty). */
char *wr_strbuf_take(wr_strbuf *b);
void wr_strbuf_free(wr_strbuf *b);

#endif
