/* `wirerig COMMAND ...`: dispatches to one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
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
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
  fprintf(out, "usage: wirerig COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n`wirerig COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "wirerig: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
