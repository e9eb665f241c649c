/* `wirerig exec [OPTIONS] -- PROG [ARGS...]`: runs an unmodified program
 * with libwirerig_preload.so (harness/preload, docs/exec.md) so that its
 * own reads and writes on loopback TCP are cut, interrupted and failed
 * deterministically by seed. Checks everything it can before the program
 * starts, then passes the program's exit status through. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "pl_decide.h"
#include "pl_exec.h"

#define PROG "wirerig exec"

static void usage(FILE *out) {
  fprintf(out,
          "usage: " PROG " [OPTIONS] -- PROG [ARGS...]\n"
          "\n"
          "Runs PROG with the wirerig preload library, which cuts its\n"
          "reads and writes on loopback TCP sockets (127.0.0.0/8, ::1)\n"
          "deterministically (docs/exec.md). Other descriptors are left\n"
          "alone.\n"
          "\n"
          "  --seed S          seed of every random decision (default 0)\n"
          "  --reads POLICY    how much each read may return: whole,\n"
          "                    fixed:N, random:A-B, cuts:N,M,... (default\n"
          "                    whole)\n"
          "  --writes POLICY   how much each write may accept (same forms)\n"
          "  --conn-reads LIST reads of some connections by their own\n"
          "                    policy: C=POLICY;C=POLICY (0 is the first\n"
          "                    connection accepted or made)\n"
          "  --faults SPEC     eintr:P eintr-calls:N,.. reset:N[@C]\n"
          "                    eof:N[@C] refuse:C,.. (space-separated)\n"
          "  --trace FILE      one line per shaped call (truncated first)\n"
          "  --ports LIST      shape only connections with one of these\n"
          "                    ports at either end (default: all)\n"
          "  --preload PATH    the library to use (default: found beside\n"
          "                    this program, or $WIRERIG_PRELOAD_LIB)\n"
          "  -h, --help        this text\n"
          "\n"
          "Exit status: PROG's own; 128+N if it died of signal N; 2 a bad\n"
          "option; 126 PROG cannot be shaped (static, Go, not executable)\n"
          "or the library did not load; 127 PROG not found.\n");
}

/* The shim: $WIRERIG_PRELOAD_LIB, beside this executable (the build
 * tree), or in the install's library directory. */
int wr_cli_find_preload(char *out) {
  const char *env = getenv("WIRERIG_PRELOAD_LIB");
  if (env && *env) {
    return access(env, R_OK) == 0 && realpath(env, out) ? 0 : -1;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return -1;
  self[n] = 0;
  char *slash = strrchr(self, '/');
  if (!slash)
    return -1;
  *slash = 0;
  const char *cands[] = {"libwirerig_preload.so",
                         WR_INSTALL_LIBDIR_REL "/libwirerig_preload.so"};
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
    char cand[PATH_MAX + 64];
    snprintf(cand, sizeof cand, "%s/%s", self, cands[i]);
    if (access(cand, R_OK) == 0 && realpath(cand, out))
      return 0;
  }
  return -1;
}

static pid_t child = -1;

static void forward(int sig) {
  if (child > 0)
    kill(child, sig);
}

int wr_cmd_exec(int argc, char **argv) {
  static const struct option opts[] = {
      {"seed", required_argument, NULL, 's'},
      {"reads", required_argument, NULL, 'r'},
      {"writes", required_argument, NULL, 'w'},
      {"conn-reads", required_argument, NULL, 'c'},
      {"faults", required_argument, NULL, 'f'},
      {"trace", required_argument, NULL, 't'},
      {"ports", required_argument, NULL, 'p'},
      {"preload", required_argument, NULL, 'L'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *seed = "0", *reads = "whole", *writes = "whole", *faults = "",
             *conn_reads = "", *trace = NULL, *ports = "", *lib = NULL;
  wr_pl_cfg cfg;
  wr_pl_cfg_init(&cfg);
  char err[400];
  int c;
  optind = 1;
  opterr = 0;
  /* '+': stop at PROG, whose own options are not ours. */
  while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    switch (c) {
    case 's': {
      char *end;
      errno = 0;
      unsigned long long v = strtoull(optarg, &end, 10);
      (void)v;
      if (!*optarg || *end || errno || optarg[0] == '-') {
        fprintf(stderr,
                PROG ": --seed '%s': expected an unsigned decimal integer\n",
                optarg);
        return 2;
      }
      seed = optarg;
      break;
    }
    case 'r':
      if (wr_pl_policy_parse(optarg, &cfg.reads, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": --reads: %s\n", err);
        return 2;
      }
      reads = optarg;
      break;
    case 'w':
      if (wr_pl_policy_parse(optarg, &cfg.writes, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": --writes: %s\n", err);
        return 2;
      }
      writes = optarg;
      break;
    case 'c':
      if (wr_conn_policies_parse(optarg, &cfg.conn_reads, err, sizeof err) <
          0) {
        fprintf(stderr, PROG ": --conn-reads: %s\n", err);
        return 2;
      }
      conn_reads = optarg;
      break;
    case 'f':
      if (wr_pl_faults_parse(optarg, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": --faults: %s\n", err);
        return 2;
      }
      faults = optarg;
      break;
    case 't':
      if (!*optarg) {
        fprintf(stderr, PROG ": --trace: empty file name\n");
        return 2;
      }
      trace = optarg;
      break;
    case 'p':
      if (wr_pl_ports_parse(optarg, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": --ports: %s\n", err);
        return 2;
      }
      ports = optarg;
      break;
    case 'L':
      lib = optarg;
      break;
    case 'h':
      usage(stdout);
      return 0;
    case '?':
    default:
      if (optopt)
        fprintf(stderr, PROG ": option '-%c' %s\n", optopt,
                strchr("srwcftpL", optopt) ? "needs a value" : "is unknown");
      else
        fprintf(stderr, PROG ": option '%s' is unknown or needs a value\n",
                argv[optind - 1]);
      usage(stderr);
      return 2;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, PROG ": no program given (wirerig exec [OPTIONS] -- "
                         "PROG [ARGS...])\n");
    return 2;
  }
  char **pargv = argv + optind;
  char path[PATH_MAX], libpath[PATH_MAX], why[600];
  if (wr_pl_find_program(pargv[0], getenv("PATH"), path, sizeof path) < 0) {
    fprintf(stderr, PROG ": %s: %s\n", pargv[0],
            strchr(pargv[0], '/') ? "no such file"
                                  : "command not found in PATH");
    return 127;
  }
  struct stat st;
  if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK)) {
    fprintf(stderr, PROG ": %s: not an executable file\n", path);
    return 126;
  }
  if (wr_pl_check_program(path, getenv("PATH"), why, sizeof why) < 0) {
    fprintf(stderr, PROG ": refusing to run %s: %s\n", pargv[0], why);
    return 126;
  }
  if (lib) {
    if (!realpath(lib, libpath)) {
      fprintf(stderr, PROG ": --preload %s: %s\n", lib, strerror(errno));
      return 2;
    }
  } else if (wr_cli_find_preload(libpath) < 0) {
    fprintf(stderr,
            PROG ": libwirerig_preload.so not found beside the wirerig "
                 "program or in the install's library directory; build it "
                 "(cmake --build build --target wirerig_preload) or set "
                 "WIRERIG_PRELOAD_LIB\n");
    return 126;
  }
  if (strchr(libpath, ':') || strchr(libpath, ' ')) {
    fprintf(stderr,
            PROG ": %s: LD_PRELOAD cannot name a path with ':' or "
                 "a space\n",
            libpath);
    return 126;
  }
  if (trace) {
    int fd = open(trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      fprintf(stderr, PROG ": --trace %s: %s\n", trace, strerror(errno));
      return 2;
    }
    close(fd);
  }
  /* The shim marks its arrival here, so that a program that never loaded
   * it (setuid, or LD_PRELOAD dropped by a wrapper) is reported. */
  char mark[] = "/tmp/wirerig-exec-XXXXXX";
  int mfd = mkstemp(mark);
  if (mfd < 0) {
    fprintf(stderr, PROG ": cannot create a temporary file: %s\n",
            strerror(errno));
    return 126;
  }
  close(mfd);
  unlink(mark);

  char preload[2 * PATH_MAX + 2];
  const char *old = getenv("LD_PRELOAD");
  snprintf(preload, sizeof preload, "%s%s%s", libpath, old && *old ? ":" : "",
           old && *old ? old : "");
  setenv("LD_PRELOAD", preload, 1);
  setenv("WIRERIG_PRELOAD_SEED", seed, 1);
  setenv("WIRERIG_PRELOAD_READS", reads, 1);
  setenv("WIRERIG_PRELOAD_WRITES", writes, 1);
  setenv("WIRERIG_PRELOAD_CONN_READS", conn_reads, 1);
  setenv("WIRERIG_PRELOAD_FAULTS", faults, 1);
  setenv("WIRERIG_PRELOAD_PORTS", ports, 1);
  setenv("WIRERIG_PRELOAD_MARK", mark, 1);
  if (trace) {
    char abs[PATH_MAX];
    /* Absolute, so a program that changes directory writes the same file. */
    if (!realpath(trace, abs))
      snprintf(abs, sizeof abs, "%s", trace);
    setenv("WIRERIG_PRELOAD_TRACE", abs, 1);
  } else {
    unsetenv("WIRERIG_PRELOAD_TRACE");
  }

  fflush(NULL);
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) < 0) {
    fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
    return 126;
  }
  child = fork();
  if (child < 0) {
    fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
    return 126;
  }
  if (child == 0) {
    close(ep[0]);
    execv(path, pargv);
    int e = errno;
    ssize_t w = write(ep[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close(ep[1]);
  /* Signals meant for the program (a test stopping it) reach it, and this
   * process stays to report how it ended. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  int e = 0;
  ssize_t got;
  do
    got = read(ep[0], &e, sizeof e);
  while (got < 0 && errno == EINTR);
  close(ep[0]);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR)
    ;
  int loaded = access(mark, F_OK) == 0;
  unlink(mark);
  if (got == (ssize_t)sizeof e) {
    fprintf(stderr, PROG ": cannot execute %s: %s\n", path, strerror(e));
    return e == ENOENT ? 127 : 126;
  }
  int rc;
  if (WIFSIGNALED(status)) {
    rc = 128 + WTERMSIG(status);
    /* Stopped on request: the usual end of a server, not news. */
    if (WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGINT)
      fprintf(stderr, PROG ": %s killed by signal %d (%s)\n", pargv[0],
              WTERMSIG(status), strsignal(WTERMSIG(status)));
  } else {
    rc = WEXITSTATUS(status);
    if (rc == 125 && !loaded)
      fprintf(stderr,
              PROG ": %s exited with status 125: the preload "
                   "library refused its configuration (above)\n",
              pargv[0]);
    else if (rc != 0)
      fprintf(stderr, PROG ": %s exited with status %d\n", pargv[0], rc);
  }
  if (!loaded) {
    fprintf(stderr,
            PROG ": the preload library never loaded into %s (a setuid "
                 "program, or LD_PRELOAD removed on the way): nothing was "
                 "shaped\n",
            pargv[0]);
    if (rc == 0)
      rc = 126;
  }
  return rc;
}
