/* The guard page behind every buffer a decoder reads (picohttpparser's
 * tests do the same): an over-read faults at the first byte instead of
 * passing by luck on whatever the heap holds next. */
#include <sys/mman.h>
#include <unistd.h>

#include "check_int.h"

int wr_chk_guard_reserve(chk_guard *g, size_t room) {
  if (g->map && g->room >= room)
    return 0;
  wr_chk_guard_free(g);
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (room > SIZE_MAX - 2 * page)
    return WR_ENOMEM;
  size_t usable = (room + page - 1) / page * page;
  if (usable == 0)
    usable = page;
  void *m = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    return WR_ENOMEM;
  if (mprotect((uint8_t *)m + usable, page, PROT_NONE) != 0) {
    munmap(m, usable + page);
    return WR_ENOMEM;
  }
  g->map = m;
  g->maplen = usable + page;
  g->end = (uint8_t *)m + usable;
  g->room = usable;
  return 0;
}

void wr_chk_guard_free(chk_guard *g) {
  if (g->map)
    munmap(g->map, g->maplen);
  g->map = g->end = NULL;
  g->maplen = g->room = 0;
}
