/* Internals of the server engine (user_*.c). */
#ifndef WIRERIG_SF_USER_INT_H
#define WIRERIG_SF_USER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/net.h"

/* simnet for one run of the server engine (user_net.c). */
int wr_sf_net_create_(uint64_t seed, wr_net **out, char *err, size_t errlen);

#endif
