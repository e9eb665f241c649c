/* A main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on every file named on the command line and
 * on every regular file of every directory named (sorted, not recursive,
 * dot files skipped). This is how ctest replays the corpora under any
 * compiler, and how a crash found by libFuzzer is reproduced under gdb or
 * gcc's sanitizers.
 *
 * Each file is read into a buffer of exactly its size, so the sanitizers
 * see over-reads as they do under libFuzzer. An oracle violation aborts
 * right after the "running" line naming the file. Exits 0 when every input
 * ran, 1 when there was nothing to run (a misconfigured corpus path must
 * not pass as an empty success), 2 on a usage or I/O error.
 */
/* scandir and alphasort are POSIX 2008; users' builds may be strict C. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as under libFuzzer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path, size_t *count) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      fprintf(stderr, "replay: out of memory reading %s\n", path);
      fclose(f);
      return -1;
    }
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap)
      break;
    cap *= 2;
    uint8_t *nb = realloc(buf, cap);
    if (!nb)
      free(buf);
    buf = nb;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    fprintf(stderr, "replay: error reading %s\n", path);
    free(buf);
    return -1;
  }
  /* An exact-size copy: the slack of buf would hide over-reads. */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) {
    fprintf(stderr, "replay: out of memory for %s\n", path);
    free(buf);
    return -1;
  }
  memcpy(exact, buf, len);
  free(buf);
  printf("running %s (%zu bytes)\n", path, len);
  fflush(stdout);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  (*count)++;
  return 0;
}

static int only_files(const struct dirent *d) { return d->d_name[0] != '.'; }

static int run_dir(const char *dir, size_t *count) {
  struct dirent **names;
  int n = scandir(dir, &names, only_files, alphasort);
  if (n < 0) {
    fprintf(stderr, "replay: cannot list %s: %s\n", dir, strerror(errno));
    return -1;
  }
  int rc = 0;
  for (int i = 0; i < n; i++) {
    size_t need = strlen(dir) + strlen(names[i]->d_name) + 2;
    char *path = malloc(need);
    struct stat st;
    if (!path) {
      fprintf(stderr, "replay: out of memory\n");
      rc = -1;
    } else {
      snprintf(path, need, "%s/%s", dir, names[i]->d_name);
      if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
          run_file(path, count) != 0)
        rc = -1;
      free(path);
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    fprintf(argc < 2 ? stderr : stdout,
            "usage: %s FILE_OR_DIR...\n"
            "Runs the fuzz target once on each file (directories: each "
            "regular file in them).\n",
            argv[0]);
    return argc < 2 ? 2 : 0;
  }
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  size_t count = 0;
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
      rc = 2;
    } else if (S_ISDIR(st.st_mode)) {
      if (run_dir(argv[i], &count) != 0)
        rc = 2;
    } else if (run_file(argv[i], &count) != 0) {
      rc = 2;
    }
  }
  printf("replay: %zu input%s ran\n", count, count == 1 ? "" : "s");
  if (rc == 0 && count == 0) {
    fprintf(stderr, "replay: no inputs found in the given paths\n");
    return 1;
  }
  return rc;
}
