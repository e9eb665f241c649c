/* A small length-prefixed decoder, the kind of framing code wirerig check
 * is for: each message is a 2-byte big-endian length and that many bytes.
 * Built with a deliberate split bug when its config says so, to show how
 * wirerig finds, shrinks and reproduces one. */
#ifndef LENPREFIX_H
#define LENPREFIX_H

#include <stddef.h>
#include <stdint.h>

#include <wirerig/check.h>

typedef struct lenprefix_config {
  int bug; /* 1: lose a header whose body comes in a later read */
} lenprefix_config;

#define LENPREFIX_ETOOBIG (-1000) /* a length over LENPREFIX_MAX */
#define LENPREFIX_ETRUNCATED (-1001)
#define LENPREFIX_MAX 4096

/* The decoder as wirerig check drives it (push style, with encode). */
wr_check_decoder lenprefix_decoder(lenprefix_config *cfg);

#endif
