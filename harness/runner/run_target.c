/* `target` steps on loopback: the user's server started with `{port}`
 * replaced by a free port and `{dir}` by the scenario's directory, or one
 * already running. A started target runs
 * in its own process group, so that the end of the run can kill everything
 * it spawned; every wait is bounded.
 *
 * Its stdout and stderr go to a log file of the run, never to wirerig's
 * own streams (they would corrupt `--tap` on stdout) and never to a pipe
 * (a pipe nobody reads blocks a server that logs more than 64 KiB, and the
 * run then reports a timeout). The ready text is looked for in that file.
 * A run that fails keeps the file and shows its tail in the report; a run
 * that passes removes it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "run_int.h"

#define TARGET_TIMEOUT_NS (10ull * WR_NS_PER_SEC)

/* Bytes of a target's output shown in a report: what fits
 * wr_run_result.target_tail with its NUL. */
#define TAIL_MAX 1023

static int fail(run_rt *rt, const wr_scn_step *st, const char *what) {
  rt->r->verdict = WR_RUN_ERROR;
  snprintf(rt->r->reason, sizeof rt->r->reason, "%s:%u:%u: target %s: %s",
           st->pos.file, st->pos.line, st->pos.col,
           rt->s->endpoints[st->ep].name, what);
  return 1;
}

static wr_time mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (wr_time)ts.tv_sec * WR_NS_PER_SEC + (wr_time)ts.tv_nsec;
}

/* A free port: bind port 0, read it, close. Another process may take it
 * before the target binds; the readiness wait then times out clearly. */
static int free_port(uint16_t *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof a;
  int rc = bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
                   getsockname(fd, (struct sockaddr *)&a, &l) == 0
               ? 0
               : -1;
  close(fd);
  *port = ntohs(a.sin_port);
  return rc;
}

static int port_accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

/* s in single quotes for /bin/sh, whatever it holds ('\'' for a quote). */
static void put_quoted(wr_strbuf *b, const char *s, size_t n) {
  wr_strbuf_put(b, "'", 1);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\'')
      wr_strbuf_put(b, "'\\''", 4);
    else
      wr_strbuf_put(b, s + i, 1);
  }
  wr_strbuf_put(b, "'", 1);
}

/* The command with {port} (the free port) and {dir} (the scenario file's
 * directory, as the run was given it, quoted for the shell so that any
 * path works: "{dir}/server.sh" runs the script beside the file). */
static char *substitute(const char *cmd, uint16_t port, const char *file) {
  char p[8];
  snprintf(p, sizeof p, "%u", port);
  const char *slash = file ? strrchr(file, '/') : NULL;
  wr_strbuf b = {0};
  wr_strbuf_put(&b, "", 0);
  for (size_t i = 0; cmd[i];) {
    if (strncmp(cmd + i, "{port}", 6) == 0) {
      wr_strbuf_put(&b, p, strlen(p));
      i += 6;
    } else if (strncmp(cmd + i, "{dir}", 5) == 0) {
      if (!slash)
        put_quoted(&b, ".", 1);
      else if (slash == file)
        put_quoted(&b, "/", 1);
      else
        put_quoted(&b, file, (size_t)(slash - file));
      i += 5;
    } else {
      wr_strbuf_put(&b, cmd + i, 1);
      i++;
    }
  }
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

int wr_run_target_start(run_rt *rt, const wr_scn_step *st) {
  const wr_scn_endpoint *e = &rt->s->endpoints[st->ep];
  run_ep *re = &rt->eps[st->ep];
  if (st->kind == WR_SCN_TARGET_AT) {
    char text[300], err[200];
    snprintf(text, sizeof text, "%s:%u", e->host ? e->host : "127.0.0.1",
             e->port);
    if (e->host && strchr(e->host, ':'))
      snprintf(text, sizeof text, "[%s]:%u", e->host, e->port);
    if (wr_addr_parse(text, &re->addr, err, sizeof err) < 0)
      return fail(rt, st, err);
    return 0;
  }
  int shim = e->shim_reads || e->shim_writes || e->shim_conn;
  if (shim && !rt->preload)
    return fail(rt, st,
                "shim= needs libwirerig_preload.so, which was not found "
                "(build the wirerig_preload target or set "
                "WIRERIG_PRELOAD_LIB)");
  /* The connections whose reads have their own policy: the file's
   * shim_conn, and a schedule of this target's reads on top. */
  char conn_reads[WR_CONN_POLICIES_MAX * (WR_POLICY_MAX_CUTS * 24 + 64)] = "";
  if (shim &&
      wr_run_shim_conn_reads_(rt, st->ep, conn_reads, sizeof conn_reads) < 0)
    return fail(rt, st,
                "shim_conn: too many connections with their own "
                "policy");
  uint16_t port;
  if (free_port(&port) < 0)
    return fail(rt, st, "no free loopback port");
  char *cmd = substitute(e->command, port, st->pos.file);
  if (!cmd)
    return fail(rt, st, "out of memory");
  /* The log: created by us (mkstemp, 0600) so that its name is ours. */
  const char *tmpdir = getenv("TMPDIR");
  char name[41], logpath[512];
  snprintf(name, sizeof name, "%s", e->name);
  for (char *c = name; *c; c++)
    if (*c == '/')
      *c = '_';
  snprintf(logpath, sizeof logpath, "%s/wirerig-target-%s-XXXXXX",
           tmpdir && *tmpdir ? tmpdir : "/tmp", name);
  int logfd = mkstemp(logpath);
  if (logfd < 0) {
    free(cmd);
    return fail(rt, st, "cannot create a file for its output");
  }
  int rdfd = open(logpath, O_RDONLY | O_CLOEXEC);
  if (rdfd < 0) {
    close(logfd);
    unlink(logpath);
    free(cmd);
    return fail(rt, st, "cannot read back the file for its output");
  }
  free(re->log);
  re->log = strdup(logpath);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    free(cmd);
    close(logfd);
    close(rdfd);
    return fail(rt, st, "fork failed");
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
    if (logfd > 2)
      close(logfd);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0 && devnull != 0) {
      dup2(devnull, 0);
      close(devnull);
    }
    if (shim) {
      /* The target's own socket calls are cut by the shim, seeded by
       * this run's seed: `--seed S` reproduces the cuts (docs/exec.md). */
      char seed[24];
      snprintf(seed, sizeof seed, "%llu", (unsigned long long)rt->seed);
      setenv("LD_PRELOAD", rt->preload, 1);
      setenv("WIRERIG_PRELOAD_SEED", seed, 1);
      setenv("WIRERIG_PRELOAD_READS", e->shim_reads ? e->shim_reads : "whole",
             1);
      setenv("WIRERIG_PRELOAD_WRITES",
             e->shim_writes ? e->shim_writes : "whole", 1);
      setenv("WIRERIG_PRELOAD_CONN_READS", conn_reads, 1);
      unsetenv("WIRERIG_PRELOAD_FAULTS");
      if (rt->shim_trace) {
        /* One file per target: each numbers its connections from 0. */
        char tp[600];
        snprintf(tp, sizeof tp, "%s.%d", rt->shim_trace, st->ep);
        setenv("WIRERIG_PRELOAD_TRACE", tp, 1);
      } else
        unsetenv("WIRERIG_PRELOAD_TRACE");
      unsetenv("WIRERIG_PRELOAD_PORTS");
    }
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  setpgid(pid, pid);
  wr_run_track_group_(pid); /* killed by the signal handler if need be */
  free(cmd);
  close(logfd);
  re->pid = pid;
  re->addr = wr_addr_loopback4(port);
  re->outfd = rdfd;
  wr_time limit = e->timeout ? e->timeout : TARGET_TIMEOUT_NS;
  wr_time deadline = mono() + limit;
  char seen[4096];
  size_t nseen = 0;
  int ready = 0;
  while (!ready && mono() < deadline) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      wr_run_untrack_group_(pid);
      re->pid = -1;
      char why[160];
      if (WIFSIGNALED(status))
        snprintf(why, sizeof why,
                 "was killed by signal %d (%s) before it was ready",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
      else
        snprintf(why, sizeof why, "exited with status %d before it was ready",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
      return fail(rt, st, why);
    }
    if (wr_run_interrupted())
      break;
    if (e->ready) {
      /* A regular file: read returns 0 at its current end, so wait a
       * little before looking again. */
      ssize_t k = read(rdfd, seen + nseen, sizeof seen - 1 - nseen);
      if (k > 0) {
        nseen += (size_t)k;
        seen[nseen] = '\0';
        ready = strstr(seen, e->ready) != NULL;
        if (nseen > sizeof seen / 2) { /* keep the tail */
          memmove(seen, seen + nseen - 256, 256);
          nseen = 256;
        }
        continue;
      }
    } else {
      ready = port_accepts(port);
    }
    if (!ready) {
      struct timespec ts = {0, 20 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  if (!ready)
    return fail(rt, st,
                e->ready ? "the ready text did not appear in time"
                         : "the port did not accept in time");
  return 0;
}

/* The last bytes of a target's log, for the report: from the start of a
 * line where one begins within them. */
static void keep_tail(wr_run_result *r, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  off_t end = lseek(fd, 0, SEEK_END);
  off_t from = end > TAIL_MAX ? end - TAIL_MAX : 0;
  char buf[TAIL_MAX + 1];
  ssize_t k = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;
  close(fd);
  if (k < 0)
    k = 0;
  buf[k] = '\0';
  const char *p = buf;
  if (from > 0) {
    const char *nl = memchr(buf, '\n', (size_t)k);
    if (nl && nl + 1 < buf + k)
      p = nl + 1;
  }
  snprintf(r->target_log, sizeof r->target_log, "%s", path);
  snprintf(r->target_tail, sizeof r->target_tail, "%s", p);
}

/* Kills a started target's process group and reaps it: SIGTERM, up to
 * 1 s, then SIGKILL. */
static void kill_group(pid_t pid) {
  kill(-pid, SIGTERM);
  for (int k = 0; k < 100; k++) {
    if (waitpid(pid, NULL, WNOHANG) == pid)
      return;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  kill(-pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

void wr_run_targets_stop(run_rt *rt) {
  rt->r->target_log[0] = rt->r->target_tail[0] = '\0';
  if (!rt->eps)
    return;
  int failed = rt->r->verdict == WR_RUN_FAIL || rt->r->verdict == WR_RUN_ERROR;
  for (size_t i = 0; i < rt->s->nendpoints; i++) {
    run_ep *re = &rt->eps[i];
    if (re->pid > 0) {
      kill_group(re->pid);
      wr_run_untrack_group_(re->pid);
    }
    re->pid = -1;
    if (re->outfd >= 0)
      close(re->outfd);
    re->outfd = -1;
    if (re->log) {
      /* Read once everything it started is gone: the last lines are in. */
      if (failed && !rt->r->target_log[0])
        keep_tail(rt->r, re->log);
      else
        unlink(re->log);
      free(re->log);
      re->log = NULL;
    }
  }
}

/* A started target that ended by itself during the run: killed by a signal
 * or exited non-zero (a crash, an abort, a sanitizer's exit). Its end is
 * the cause of whatever the step observed (`error closed`), and it is
 * reported as such. A step that failed may have seen the connection go
 * before the process can be reaped: then the wait is up to 500 ms. */
int wr_run_target_died(run_rt *rt, int step_failed, char *why, size_t len) {
  if (!rt->eps)
    return 0;
  for (int tries = 0; tries < (step_failed ? 50 : 1); tries++) {
    int any = 0;
    for (size_t i = 0; i < rt->s->nendpoints; i++) {
      run_ep *re = &rt->eps[i];
      if (re->pid <= 0)
        continue;
      any = 1;
      int status;
      if (waitpid(re->pid, &status, WNOHANG) != re->pid)
        continue;
      /* Its group may still hold children: killed and reaped as usual. */
      kill(-re->pid, SIGKILL);
      wr_run_untrack_group_(re->pid);
      re->pid = -1;
      const char *name = rt->s->endpoints[i].name;
      if (WIFSIGNALED(status)) {
        snprintf(why, len,
                 "target %.80s was killed by signal %d (%s) during this step "
                 "(its output is below)",
                 name, WTERMSIG(status), strsignal(WTERMSIG(status)));
        return 1;
      }
      if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(why, len,
                 "target %.80s exited with status %d during this step (its "
                 "output is below)",
                 name, WEXITSTATUS(status));
        return 1;
      }
      /* Exit 0: a server that stops after serving; the steps judge. */
    }
    if (!any)
      return 0;
    if (step_failed) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  return 0;
}
