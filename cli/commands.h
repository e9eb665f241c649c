/* The subcommands of `wirerig`. Each returns the process exit code:
 * 0 success, 1 a failed check or comparison, 2 bad input or usage. */
#ifndef WIRERIG_CLI_COMMANDS_H
#define WIRERIG_CLI_COMMANDS_H

int wr_cmd_decode(int argc, char **argv);
int wr_cmd_pcap(int argc, char **argv);
int wr_cmd_check(int argc, char **argv);
int wr_cmd_replay(int argc, char **argv);
int wr_cmd_run(int argc, char **argv);
int wr_cmd_exec(int argc, char **argv);
int wr_cmd_statefuzz(int argc, char **argv);

/* libwirerig_preload.so into out (PATH_MAX bytes): $WIRERIG_PRELOAD_LIB,
 * beside the wirerig program, or in the install's library directory.
 * 0, or -1 when there is none (cmd_exec.c). */
int wr_cli_find_preload(char *out);

#endif
