/* The background writer of wr_pcap_extract (extract_writer.h). */
#include "extract_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct job {
  struct job *next;
  char name[64];
  int trunc;
  size_t n;
  const uint8_t *data; /* copy_[] (put), or in block (give) */
  void *block;         /* freed with the job; NULL for a copy */
  uint8_t copy_[];
} job;

static void job_free(job *j) {
  free(j->block);
  free(j);
}

struct wr_cap_writer {
  int dirfd;
  const char *dir;
  size_t max_queued, queued;
  job *head, *tail;
  int stop, failed;
  char err[600];
  pthread_mutex_t mu;
  pthread_cond_t has_work, has_room;
  pthread_t thread;
};

/* One job: open, write all, close. Returns 0 or -1 with w->err set. */
static int run_job(wr_cap_writer *w, const job *j) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (j->trunc ? O_TRUNC : O_APPEND);
  int fd = openat(w->dirfd, j->name, flags, 0644);
  if (fd < 0)
    goto fail;
  const uint8_t *p = j->data;
  size_t n = j->n;
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      if (k == 0)
        errno = EIO;
      close(fd);
      goto fail;
    }
    p += k;
    n -= (size_t)k;
  }
  if (close(fd) == 0)
    return 0;
fail:
  snprintf(w->err, sizeof w->err, "%s/%s: %s", w->dir, j->name,
           strerror(errno));
  return -1;
}

static void *main_loop(void *arg) {
  wr_cap_writer *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->head && !w->stop)
      pthread_cond_wait(&w->has_work, &w->mu);
    if (!w->head)
      break; /* stopped and drained */
    job *j = w->head;
    w->head = j->next;
    if (!w->head)
      w->tail = NULL;
    int failed = w->failed;
    pthread_mutex_unlock(&w->mu);
    int rc = failed ? 0 : run_job(w, j);
    pthread_mutex_lock(&w->mu);
    if (rc)
      w->failed = 1;
    w->queued -= j->n;
    job_free(j);
    pthread_cond_signal(&w->has_room);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

wr_cap_writer *wr_cap_writer_start(int dirfd, const char *dir,
                                   size_t max_queued) {
  wr_cap_writer *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->dirfd = dirfd;
  w->dir = dir;
  w->max_queued = max_queued;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->has_work, NULL);
  pthread_cond_init(&w->has_room, NULL);
  if (pthread_create(&w->thread, NULL, main_loop, w) != 0) {
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->has_work);
    pthread_cond_destroy(&w->has_room);
    free(w);
    return NULL;
  }
  return w;
}

/* Queues j (its name, trunc and n unset), waiting for room. 0, or -1
 * once a write has failed (j is freed then). */
static int enqueue(wr_cap_writer *w, job *j, const char *name, int trunc,
                   size_t n) {
  j->next = NULL;
  snprintf(j->name, sizeof j->name, "%s", name);
  j->trunc = trunc;
  j->n = n;
  pthread_mutex_lock(&w->mu);
  /* A job larger than the whole queue still goes in once the queue is
   * empty, so nothing waits forever. */
  while (!w->failed && w->queued > 0 && w->queued + n > w->max_queued)
    pthread_cond_wait(&w->has_room, &w->mu);
  int failed = w->failed;
  if (!failed) {
    if (w->tail)
      w->tail->next = j;
    else
      w->head = j;
    w->tail = j;
    w->queued += n;
    pthread_cond_signal(&w->has_work);
  }
  pthread_mutex_unlock(&w->mu);
  if (failed) {
    job_free(j);
    return -1;
  }
  return 0;
}

static void out_of_memory(wr_cap_writer *w) {
  pthread_mutex_lock(&w->mu);
  if (!w->failed)
    snprintf(w->err, sizeof w->err, "out of memory");
  w->failed = 1;
  pthread_mutex_unlock(&w->mu);
}

int wr_cap_writer_put(wr_cap_writer *w, const char *name, int trunc,
                      const void *p, size_t n) {
  job *j = malloc(sizeof *j + n);
  if (!j) {
    out_of_memory(w);
    return -1;
  }
  j->block = NULL;
  j->data = j->copy_;
  if (n)
    memcpy(j->copy_, p, n);
  return enqueue(w, j, name, trunc, n);
}

int wr_cap_writer_give(wr_cap_writer *w, const char *name, int trunc,
                       void *block, const void *p, size_t n) {
  job *j = malloc(sizeof *j);
  if (!j) {
    free(block);
    out_of_memory(w);
    return -1;
  }
  j->block = block;
  j->data = p;
  return enqueue(w, j, name, trunc, n);
}

int wr_cap_writer_finish(wr_cap_writer *w, char *err, size_t errlen) {
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_signal(&w->has_work);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  int failed = w->failed;
  if (failed)
    snprintf(err, errlen, "%s", w->err);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->has_work);
  pthread_cond_destroy(&w->has_room);
  free(w);
  return failed ? -1 : 0;
}

int wr_cap_writer_busy(wr_cap_writer *w) {
  pthread_mutex_lock(&w->mu);
  int busy = w->queued > w->max_queued / 2;
  pthread_mutex_unlock(&w->mu);
  return busy;
}
