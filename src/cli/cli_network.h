/* berth network: create, ls, inspect, rm, prune, connect, disconnect. */
#pragma once

#include "cli/cli.h"

int cmd_network_create(CliContext *ctx, int argc, char **argv);
int cmd_network_ls(CliContext *ctx, int argc, char **argv);
int cmd_network_inspect(CliContext *ctx, int argc, char **argv);
int cmd_network_rm(CliContext *ctx, int argc, char **argv);
int cmd_network_prune(CliContext *ctx, int argc, char **argv);
int cmd_network_connect(CliContext *ctx, int argc, char **argv);
int cmd_network_disconnect(CliContext *ctx, int argc, char **argv);
