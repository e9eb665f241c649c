/* Checks of a program before it runs under the shim (pl_exec.h). Reads
 * the ELF headers with pread: the section headers say whether the program
 * is Go (.go.buildinfo, .note.go.buildid), the program headers whether it
 * has an interpreter (dynamic linking), the dynamic section whether libc
 * is among what it needs. */
#include "pl_exec.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int wr_pl_find_program(const char *name, const char *path, char *out,
                       size_t outlen) {
  struct stat st;
  if (!*name)
    return -1;
  if (strchr(name, '/')) {
    if ((size_t)snprintf(out, outlen, "%s", name) >= outlen)
      return -1;
    return stat(out, &st) == 0 ? 0 : -1;
  }
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path;;) {
    const char *c = strchr(p, ':');
    size_t dl = c ? (size_t)(c - p) : strlen(p);
    int n = dl ? snprintf(out, outlen, "%.*s/%s", (int)dl, p, name)
               : snprintf(out, outlen, "./%s", name);
    if (n > 0 && (size_t)n < outlen && stat(out, &st) == 0 &&
        S_ISREG(st.st_mode) && access(out, X_OK) == 0)
      return 0;
    if (!c)
      return -1;
    p = c + 1;
  }
}

static int rd(int fd, void *buf, size_t n, uint64_t off) {
  return pread(fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -1;
}

/* 0 fine, -1 refused (why set), 1 not ELF. */
static int check_elf(const char *path, char *why, size_t whylen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, whylen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  Elf64_Ehdr eh;
  int rc = 0;
  if (rd(fd, &eh, sizeof eh, 0) < 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
    close(fd);
    return 1;
  }
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
    /* 32-bit programs load a 32-bit shim, which is not built: say so. */
    snprintf(why, whylen,
             "%s is a 32-bit program: the shim is built for 64-bit "
             "programs only",
             path);
    close(fd);
    return -1;
  }
  int interp = 0;
  Elf64_Off dyn_off = 0;
  Elf64_Xword dyn_size = 0;
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    Elf64_Phdr ph;
    if (rd(fd, &ph, sizeof ph, eh.e_phoff + (uint64_t)i * eh.e_phentsize) < 0)
      break;
    if (ph.p_type == PT_INTERP)
      interp = 1;
    if (ph.p_type == PT_DYNAMIC) {
      dyn_off = ph.p_offset;
      dyn_size = ph.p_filesz;
    }
  }
  /* Sections: Go's marks, and .dynstr for the names of needed libraries. */
  int go = 0;
  Elf64_Off dynstr_off = 0;
  Elf64_Xword dynstr_size = 0;
  Elf64_Shdr strsh;
  if (eh.e_shnum && eh.e_shstrndx < eh.e_shnum &&
      rd(fd, &strsh, sizeof strsh,
         eh.e_shoff + (uint64_t)eh.e_shstrndx * eh.e_shentsize) == 0) {
    for (unsigned i = 0; i < eh.e_shnum; i++) {
      Elf64_Shdr sh;
      char name[32] = {0};
      if (rd(fd, &sh, sizeof sh, eh.e_shoff + (uint64_t)i * eh.e_shentsize) < 0)
        break;
      if (pread(fd, name, sizeof name - 1,
                (off_t)(strsh.sh_offset + sh.sh_name)) <= 0)
        continue;
      if (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".note.go.buildid"))
        go = 1;
      if (!strcmp(name, ".dynstr")) {
        dynstr_off = sh.sh_offset;
        dynstr_size = sh.sh_size;
      }
    }
  }
  int libc = 0;
  if (dyn_off && dynstr_off) {
    for (Elf64_Xword k = 0; k + sizeof(Elf64_Dyn) <= dyn_size;
         k += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      if (rd(fd, &d, sizeof d, dyn_off + k) < 0 || d.d_tag == DT_NULL)
        break;
      if (d.d_tag != DT_NEEDED || d.d_un.d_val >= dynstr_size)
        continue;
      char lib[64] = {0};
      if (pread(fd, lib, sizeof lib - 1, (off_t)(dynstr_off + d.d_un.d_val)) >
              0 &&
          strncmp(lib, "libc.so", 7) == 0)
        libc = 1;
    }
  }
  close(fd);
  if (go) {
    snprintf(why, whylen,
             "%s is a Go program: Go makes its system calls itself, not "
             "through libc, so the shim would see none of them",
             path);
    rc = -1;
  } else if (!interp) {
    snprintf(why, whylen,
             "%s is statically linked: an LD_PRELOAD library cannot enter "
             "it, so nothing would be shaped",
             path);
    rc = -1;
  } else if (!libc) {
    snprintf(why, whylen,
             "%s does not use libc (libc.so is not among the libraries it "
             "needs): the shim would see none of its socket calls",
             path);
    rc = -1;
  }
  return rc;
}

int wr_pl_check_program(const char *path, const char *pathenv, char *why,
                        size_t whylen) {
  char cur[4096], next[4096];
  snprintf(cur, sizeof cur, "%s", path);
  for (int depth = 0; depth < 5; depth++) {
    int rc = check_elf(cur, why, whylen);
    if (rc <= 0)
      return rc;
    /* Not ELF: a script? */
    char line[512] = {0};
    int fd = open(cur, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, line, sizeof line - 1) : -1;
    if (fd >= 0)
      close(fd);
    if (n < 2 || line[0] != '#' || line[1] != '!') {
      snprintf(why, whylen,
               "%s is neither an ELF program nor a script starting with #!",
               cur);
      return -1;
    }
    line[strcspn(line, "\n")] = 0;
    char *p = line + 2;
    p += strspn(p, " \t");
    char *interp = p;
    p += strcspn(p, " \t");
    char *arg = NULL;
    if (*p) {
      *p++ = 0;
      p += strspn(p, " \t");
      arg = p;
      arg[strcspn(arg, " \t")] = 0;
    }
    if (!*interp) {
      snprintf(why, whylen, "%s: empty #! line", cur);
      return -1;
    }
    /* #!/usr/bin/env NAME: env itself is dynamic; what matters is NAME. */
    size_t il = strlen(interp);
    if (il >= 4 && strcmp(interp + il - 4, "/env") == 0 && arg && *arg &&
        arg[0] != '-') {
      if (wr_pl_find_program(arg, pathenv, next, sizeof next) < 0) {
        snprintf(why, whylen, "%s: interpreter '%s' not found in PATH", cur,
                 arg);
        return -1;
      }
    } else {
      snprintf(next, sizeof next, "%s", interp);
    }
    snprintf(cur, sizeof cur, "%s", next);
  }
  snprintf(why, whylen, "%s: #! interpreters nested too deep", path);
  return -1;
}
