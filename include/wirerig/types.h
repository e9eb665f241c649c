/* The vocabulary every wirerig library shares: time and addresses. */
#ifndef WIRERIG_TYPES_H
#define WIRERIG_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Time in nanoseconds: virtual on simnet, CLOCK_MONOTONIC since the
 * transport was created on loopback. */
typedef uint64_t wr_time;
#define WR_TIME_NEVER UINT64_MAX
#define WR_NS_PER_MS 1000000ull
#define WR_NS_PER_SEC 1000000000ull

/* An IPv4 or IPv6 address and port. ip holds 4 or 16 bytes in network
 * order; port is in host order. */
typedef struct wr_addr {
  uint8_t family; /* 4 or 6 */
  uint16_t port;
  uint8_t ip[16];
} wr_addr;

/* Room for "[" INET6_ADDRSTRLEN "]:65535" and its NUL (wr_addr_str). */
#define WR_ADDR_STRLEN 56

#ifdef __cplusplus
}
#endif
#endif
