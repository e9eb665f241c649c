/* `wirerig COMMAND ...`: dispatches to one file per subcommand, and
 * answers `help` and `version` itself. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "wirerig/version.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"decode", wr_cmd_decode, "cut a byte stream into gen_tcp packets"},
    {"pcap", wr_cmd_pcap, "TCP flows out of a pcap/pcapng capture"},
    {"check", wr_cmd_check, "parse scenario files without running them"},
    {"replay", wr_cmd_replay, "replay a captured flow to a live server"},
    {"run", wr_cmd_run, "run scenario files on simnet and loopback"},
    {"exec", wr_cmd_exec, "run a program with its socket I/O cut by seed"},
    {"statefuzz", wr_cmd_statefuzz,
     "a stateful_model finding as a regression scenario"},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
  fprintf(out, "usage: wirerig COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "  %-10s %s\n", "help", "help CMD: the usage of one command");
  fprintf(out, "  %-10s %s\n", "version", "print the version");
  fprintf(out, "\n`wirerig help COMMAND` or `wirerig COMMAND --help` "
               "describes each command;\n"
               "`wirerig --version` prints the version.\n");
}

static int version(void) {
  printf("wirerig %s\n", WR_VERSION_STRING);
  return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 2;
}

static const command *find(const char *name) {
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    if (strcmp(name, commands[i].name) == 0)
      return &commands[i];
  return NULL;
}

/* `wirerig help [COMMAND [SUBCOMMAND]]`: runs `COMMAND [SUBCOMMAND]
 * --help`, so each command's usage lives in one place, next to its
 * options. argv[0] is "help". */
static int help(int argc, char **argv) {
  if (argc < 2) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "help") == 0) {
    printf("usage: wirerig help [COMMAND [SUBCOMMAND]]\n\n"
           "Prints the usage of a command (as `wirerig COMMAND --help` "
           "does),\nor without one the list of commands.\n");
    return 0;
  }
  if (strcmp(argv[1], "version") == 0) {
    printf("usage: wirerig version (or wirerig --version)\n\n"
           "Prints \"wirerig X.Y.Z\".\n");
    return 0;
  }
  const command *c = find(argv[1]);
  if (!c) {
    fprintf(stderr,
            "wirerig help: unknown command '%s'\n"
            "Try 'wirerig help' for the list of commands.\n",
            argv[1]);
    return 2;
  }
  /* Only pcap has subcommands. */
  int has_subs = c->run == wr_cmd_pcap;
  if (argc > (has_subs ? 3 : 2)) {
    fprintf(stderr,
            "wirerig help: too many arguments; expected `wirerig help %s%s`\n",
            c->name, has_subs ? " [SUBCOMMAND]" : "");
    return 2;
  }
  /* COMMAND [SUBCOMMAND] --help */
  char help_flag[] = "--help";
  char *args[4] = {argv[1], NULL, NULL, NULL};
  int n = 1;
  if (argc == 3)
    args[n++] = argv[2];
  args[n++] = help_flag;
  return c->run(n, args);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
      strcmp(name, "help") == 0)
    return help(argc - 1, argv + 1);
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    if (argc > 2) {
      fprintf(stderr, "wirerig %s: takes no arguments\n", name);
      return 2;
    }
    return version();
  }
  const command *c = find(name);
  if (c)
    return c->run(argc - 1, argv + 1);
  fprintf(stderr, "wirerig: unknown command '%s'\n", name);
  usage(stderr);
  return 2;
}
