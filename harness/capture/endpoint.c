/* Endpoints: "10.0.0.1:40000" and "[::1]:80". */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "wirerig/pcap.h"

const char *wr_endpoint_format(const wr_endpoint *e,
                               char buf[WR_ENDPOINT_STRLEN]) {
  char ip[INET6_ADDRSTRLEN];
  if (e->family == 4) {
    inet_ntop(AF_INET, e->addr, ip, sizeof ip);
    snprintf(buf, WR_ENDPOINT_STRLEN, "%s:%u", ip, (unsigned)e->port);
  } else {
    inet_ntop(AF_INET6, e->addr, ip, sizeof ip);
    snprintf(buf, WR_ENDPOINT_STRLEN, "[%s]:%u", ip, (unsigned)e->port);
  }
  return buf;
}

int wr_endpoint_equal(const wr_endpoint *a, const wr_endpoint *b) {
  return a->family == b->family && a->port == b->port &&
         memcmp(a->addr, b->addr, 16) == 0;
}
