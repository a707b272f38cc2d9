/* berth: the command-line client. Global options, then a command (or a
 * container/image/system group and its subcommand), as docker does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth-config.h"
#include "cli/cli.h"
#include "cli/cli_network.h"
#include "common/cleanup.h"

typedef struct Entry {
        const char *name;
        CliCommandFn fn;
        const char *summary;
} Entry;

static const Entry top_commands[] = {
    {"run", cmd_run, "Create and run a new container from an image"},
    {"exec", cmd_exec, "Execute a command in a running container"},
    {"ps", cmd_ps, "List containers"},
    {"images", cmd_images, "List images"},
    {"version", cmd_version, "Show the berth version information"},
    {"info", cmd_info, "Display system-wide information"},
    {"attach", cmd_attach,
     "Attach local standard input, output, and error streams to a running "
     "container"},
    {"create", cmd_create, "Create a new container"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"history", cmd_history, "Show the history of an image"},
    {"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
    {"inspect", cmd_inspect, "Return low-level information on berth objects"},
    {"kill", cmd_kill, "Kill one or more running containers"},
    {"load", cmd_load, "Load an image from a tar archive or STDIN"},
    {"logs", cmd_logs, "Fetch the logs of a container"},
    {"pause", cmd_pause, "Pause all processes within one or more containers"},
    {"port", cmd_port, "List port mappings or a specific mapping for the container"},
    {"rename", cmd_rename, "Rename a container"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {"rm", cmd_rm, "Remove one or more containers"},
    {"rmi", cmd_rmi, "Remove one or more images"},
    {"save", cmd_save, "Save one or more images to a tar archive (streamed to STDOUT by default)"},
    {"start", cmd_start, "Start one or more stopped containers"},
    {"stop", cmd_stop, "Stop one or more running containers"},
    {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"wait", cmd_wait, "Block until one or more containers stop, then print their exit codes"},
    {NULL, NULL, NULL},
};

static const Entry container_commands[] = {
    {"attach", cmd_attach,
     "Attach local standard input, output, and error streams to a running "
     "container"},
    {"create", cmd_create, "Create a new container"},
    {"exec", cmd_exec, "Execute a command in a running container"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"inspect", cmd_container_inspect, "Display detailed information on one or more containers"},
    {"kill", cmd_kill, "Kill one or more running containers"},
    {"logs", cmd_logs, "Fetch the logs of a container"},
    {"ls", cmd_ps, "List containers"},
    {"list", cmd_ps, NULL},
    {"ps", cmd_ps, NULL},
    {"pause", cmd_pause, "Pause all processes within one or more containers"},
    {"port", cmd_port, "List port mappings or a specific mapping for the container"},
    {"prune", cmd_container_prune, "Remove all stopped containers"},
    {"rename", cmd_rename, "Rename a container"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {"rm", cmd_rm, "Remove one or more containers"},
    {"remove", cmd_rm, NULL},
    {"run", cmd_run, "Create and run a new container from an image"},
    {"start", cmd_start, "Start one or more stopped containers"},
    {"stop", cmd_stop, "Stop one or more running containers"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"wait", cmd_wait, "Block until one or more containers stop, then print their exit codes"},
    {NULL, NULL, NULL},
};

static const Entry image_commands[] = {
    {"history", cmd_history, "Show the history of an image"},
    {"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
    {"inspect", cmd_image_inspect, "Display detailed information on one or more images"},
    {"load", cmd_load, "Load an image from a tar archive or STDIN"},
    {"ls", cmd_images, "List images"},
    {"list", cmd_images, NULL},
    {"prune", cmd_image_prune, "Remove unused images"},
    {"rm", cmd_rmi, "Remove one or more images"},
    {"remove", cmd_rmi, NULL},
    {"save", cmd_save, "Save one or more images to a tar archive (streamed to STDOUT by default)"},
    {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    {NULL, NULL, NULL},
};

static const Entry network_commands[] = {
    {"connect", cmd_network_connect, "Connect a container to a network"},
    {"create", cmd_network_create, "Create a network"},
    {"disconnect", cmd_network_disconnect, "Disconnect a container from a network"},
    {"inspect", cmd_network_inspect, "Display detailed information on one or more networks"},
    {"ls", cmd_network_ls, "List networks"},
    {"list", cmd_network_ls, NULL},
    {"prune", cmd_network_prune, "Remove all unused networks"},
    {"rm", cmd_network_rm, "Remove one or more networks"},
    {"remove", cmd_network_rm, NULL},
    {NULL, NULL, NULL},
};

static const Entry system_commands[] = {
    {"info", cmd_info, "Display system-wide information"},
    {"prune", cmd_system_prune, "Remove unused data"},
    {NULL, NULL, NULL},
};

typedef struct Group {
        const char *name;
        const Entry *commands;
        const char *summary;
} Group;

static const Group groups[] = {
    {"container", container_commands, "Manage containers"},
    {"image", image_commands, "Manage images"},
    {"network", network_commands, "Manage networks"},
    {"system", system_commands, "Manage berth"},
    {NULL, NULL, NULL},
};

static void print_main_usage(FILE *f)
{
        fprintf(f, "Usage:  berth [OPTIONS] COMMAND\n\n"
                   "A self-sufficient runtime for containers\n\n"
                   "Common Commands:\n");
        for (size_t i = 0; i < 6; i++)
                fprintf(f, "  %-11s %s\n", top_commands[i].name, top_commands[i].summary);
        fprintf(f, "\nManagement Commands:\n");
        for (const Group *g = groups; g->name; g++)
                fprintf(f, "  %-11s %s\n", g->name, g->summary);
        fprintf(f, "\nCommands:\n");
        for (const Entry *e = top_commands + 6; e->name; e++)
                fprintf(f, "  %-11s %s\n", e->name, e->summary);
        fprintf(f, "\nGlobal Options:\n"
                   "  -D, --debug              Enable debug mode\n"
                   "  -H, --host string        Daemon socket to connect to (default "
                   "\"unix:///run/berth/berth.sock\"; or DOCKER_HOST)\n"
                   "  -l, --log-level string   Set the logging level (\"debug\", \"info\", "
                   "\"warn\", \"error\", \"fatal\") (default \"info\")\n"
                   "  -v, --version            Print version information and quit\n"
                   "\nRun 'berth COMMAND --help' for more information on a command.\n");
}

static void print_group_usage(FILE *f, const Group *g)
{
        fprintf(f, "Usage:  berth %s COMMAND\n\n%s\n\nCommands:\n", g->name, g->summary);
        for (const Entry *e = g->commands; e->name; e++)
                if (e->summary)
                        fprintf(f, "  %-11s %s\n", e->name, e->summary);
        fprintf(f, "\nRun 'berth %s COMMAND --help' for more information on a command.\n", g->name);
}

static const Entry *find(const Entry *list, const char *name)
{
        for (const Entry *e = list; e->name; e++)
                if (STREQ(e->name, name))
                        return e;
        return NULL;
}

int main(int argc, char **argv)
{
        const char *host = getenv("BERTH_HOST");
        int i = 1;

        if (!host || !*host)
                host = getenv("DOCKER_HOST");
        bool debug = false;
        for (; i < argc; i++) {
                const char *a = argv[i];
                if (a[0] != '-' || STREQ(a, "-"))
                        break;
                if (STREQ(a, "--")) {
                        i++;
                        break;
                }
                if (STREQ(a, "-H") || STREQ(a, "--host") || STREQ(a, "-l") ||
                    STREQ(a, "--log-level") || STREQ(a, "--config") || STREQ(a, "-c") ||
                    STREQ(a, "--context")) {
                        if (i + 1 >= argc) {
                                fprintf(stderr,
                                        "flag needs an argument: %s\n\nUsage:  berth "
                                        "[OPTIONS] COMMAND\n\nRun 'berth --help' for "
                                        "more information\n",
                                        a);
                                return CLI_EXIT_ENGINE;
                        }
                        if (a[1] == 'H' || STREQ(a, "--host"))
                                host = argv[i + 1];
                        i++;
                } else if (strncmp(a, "--host=", 7) == 0) {
                        host = a + 7;
                } else if (strncmp(a, "-H", 2) == 0) {
                        host = a + 2;
                } else if (strncmp(a, "--log-level=", 12) == 0 || strncmp(a, "--config=", 9) == 0 ||
                           strncmp(a, "--context=", 10) == 0) {
                        /* accepted */
                } else if (STREQ(a, "-D") || STREQ(a, "--debug")) {
                        debug = true;
                } else if (STREQ(a, "-v") || STREQ(a, "--version")) {
                        printf("berth version %s\n", BERTH_VERSION);
                        return 0;
                } else if (STREQ(a, "-h") || STREQ(a, "--help")) {
                        print_main_usage(stdout);
                        return 0;
                } else {
                        fprintf(stderr,
                                "unknown flag: %s\n\nUsage:  berth [OPTIONS] COMMAND\n\n"
                                "Run 'berth --help' for more information\n",
                                a);
                        return CLI_EXIT_ENGINE;
                }
        }
        if (i >= argc) {
                print_main_usage(stdout);
                return 0;
        }
        if (STREQ(argv[i], "help")) {
                if (i + 1 < argc) {
                        char *help_argv[] = {argv[i + 1], (char *)"--help", NULL};
                        const Entry *e = find(top_commands, argv[i + 1]);
                        if (e) {
                                CliContext c = {0};
                                return e->fn(&c, 2, help_argv);
                        }
                }
                print_main_usage(stdout);
                return 0;
        }

        _cleanup_free_ char *invoked = NULL;
        const Entry *e = find(top_commands, argv[i]);
        if (!e) {
                for (const Group *g = groups; g->name; g++) {
                        if (!STREQ(g->name, argv[i]))
                                continue;
                        if (i + 1 >= argc || STREQ(argv[i + 1], "--help") ||
                            STREQ(argv[i + 1], "-h")) {
                                print_group_usage(stdout, g);
                                return 0;
                        }
                        e = find(g->commands, argv[i + 1]);
                        if (!e) {
                                fprintf(stderr,
                                        "berth: unknown command: berth %s %s\n\nRun "
                                        "'berth %s --help' for more information\n",
                                        g->name, argv[i + 1], g->name);
                                return 1;
                        }
                        if (asprintf(&invoked, "%s %s", g->name, argv[i + 1]) >= 0)
                                cli_invoked_as = invoked;
                        i++;
                        break;
                }
        }
        if (!e) {
                fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n",
                        argv[i]);
                return 1;
        }

        CliContext ctx;
        _cleanup_error_ BerthError *err = NULL;
        if (cli_context_init(&ctx, host, &err) < 0) {
                fprintf(stderr, "%s\n", err->message);
                return 1;
        }
        ctx.debug = debug;
        int code = e->fn(&ctx, argc - i, argv + i);
        fflush(stdout);
        cli_context_done(&ctx);
        return code;
}
