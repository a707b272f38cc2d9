/* Docker-style option parsing (pflag rules): combined short flags (-dit),
 * --flag=value and --flag value, -xVALUE, repeatable list flags, "--" ends
 * the flags, and, for run/create/exec, the first positional argument ends
 * them too. Usage errors print docker's text and exit 125 (bad flag) or 1
 * (wrong number of arguments). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/strv.h"

const char *cli_program = "berth";
const char *cli_invoked_as = NULL;

static const char *cmd_name(const CliCommand *cmd)
{
        return cli_invoked_as ? cli_invoked_as : cmd->name;
}

const CliOpt *cli_opt_find(const CliOpt *opts, const char *long_name)
{
        for (const CliOpt *o = opts; o && o->long_name; o++)
                if (STREQ(o->long_name, long_name))
                        return o;
        return NULL;
}

static CliOpt *find_long(CliOpt *opts, const char *name, size_t len)
{
        for (CliOpt *o = opts; o && o->long_name; o++)
                if (strlen(o->long_name) == len && strncmp(o->long_name, name, len) == 0)
                        return o;
        return NULL;
}

static CliOpt *find_short(CliOpt *opts, char c)
{
        for (CliOpt *o = opts; o && o->long_name; o++)
                if (o->short_name == c)
                        return o;
        return NULL;
}

static void flag_name(const CliOpt *o, char *buf, size_t size)
{
        if (o->short_name)
                snprintf(buf, size, "-%c, --%s", o->short_name, o->long_name);
        else
                snprintf(buf, size, "--%s", o->long_name);
}

static void usage_error(const CliCommand *cmd, const CliOpt *opts, bool see, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void usage_error(const CliCommand *cmd, const CliOpt *opts, bool see, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n\nUsage:  %s %s %s\n\n%s '%s %s --help' for more information\n",
                cli_program, cmd_name(cmd), cmd->usage, see ? "See" : "Run", cli_program,
                cmd_name(cmd));
}

static int set_value(const CliCommand *cmd, CliOpt *opts, CliOpt *o, const char *value)
{
        char name[128];

        o->set = true;
        switch (o->type) {
        case CLI_OPT_BOOL:
                if (!value || STREQ(value, "true") || STREQ(value, "1") || STREQ(value, "t") ||
                    STREQ(value, "TRUE") || STREQ(value, "True"))
                        *(bool *)o->ptr = true;
                else if (STREQ(value, "false") || STREQ(value, "0") || STREQ(value, "f") ||
                         STREQ(value, "FALSE") || STREQ(value, "False"))
                        *(bool *)o->ptr = false;
                else {
                        flag_name(o, name, sizeof(name));
                        usage_error(cmd, opts, false,
                                    "invalid argument \"%s\" for \"%s\" flag: strconv.ParseBool: "
                                    "parsing \"%s\": invalid syntax",
                                    value, name, value);
                        return -EINVAL;
                }
                return 0;
        case CLI_OPT_STRING:
                *(const char **)o->ptr = value;
                return 0;
        case CLI_OPT_LIST:
                if (strv_append((char ***)o->ptr, value) < 0)
                        return -ENOMEM;
                return 0;
        case CLI_OPT_INT: {
                char *end = NULL;
                errno = 0;
                long long v = strtoll(value, &end, 10);
                if (errno || !end || *end || end == value) {
                        flag_name(o, name, sizeof(name));
                        usage_error(cmd, opts, false,
                                    "invalid argument \"%s\" for \"%s\" flag: strconv.ParseInt: "
                                    "parsing \"%s\": invalid syntax",
                                    value, name, value);
                        return -EINVAL;
                }
                *(long long *)o->ptr = v;
                return 0;
        }
        }
        return -EINVAL;
}

static bool wants_help(CliOpt *opts, const char *arg)
{
        return STREQ(arg, "--help") || (STREQ(arg, "-h") && !find_short(opts, 'h'));
}

int cli_parse(const CliCommand *cmd, CliOpt *opts, int argc, char **argv, char ***ret_args,
              int *ret_nargs, int *ret_exit)
{
        _cleanup_free_ char **args = calloc((size_t)argc + 1, sizeof(char *));
        int nargs = 0;
        bool flags_done = false;

        *ret_exit = 0;
        if (!args) {
                *ret_exit = CLI_EXIT_ENGINE;
                return -ENOMEM;
        }
        for (int i = 1; i < argc; i++) {
                char *a = argv[i];
                if (flags_done || a[0] != '-' || STREQ(a, "-")) {
                        args[nargs++] = a;
                        if (!cmd->interspersed)
                                flags_done = true;
                        continue;
                }
                if (STREQ(a, "--")) {
                        flags_done = true;
                        continue;
                }
                if (wants_help(opts, a)) {
                        cli_print_usage(stdout, cmd, opts);
                        return 1;
                }
                if (a[1] == '-') {
                        const char *name = a + 2;
                        const char *eq = strchr(name, '=');
                        size_t len = eq ? (size_t)(eq - name) : strlen(name);
                        CliOpt *o = find_long(opts, name, len);
                        if (!o) {
                                usage_error(cmd, opts, false, "unknown flag: --%.*s", (int)len,
                                            name);
                                *ret_exit = CLI_EXIT_ENGINE;
                                return -EINVAL;
                        }
                        const char *value = eq ? eq + 1 : NULL;
                        if (!value && o->type != CLI_OPT_BOOL) {
                                if (i + 1 >= argc) {
                                        usage_error(cmd, opts, false,
                                                    "flag needs an argument: --%s", o->long_name);
                                        *ret_exit = CLI_EXIT_ENGINE;
                                        return -EINVAL;
                                }
                                value = argv[++i];
                        }
                        if (set_value(cmd, opts, o, value) < 0) {
                                *ret_exit = CLI_EXIT_ENGINE;
                                return -EINVAL;
                        }
                        continue;
                }
                /* short flags, possibly combined */
                for (const char *p = a + 1; *p; p++) {
                        CliOpt *o = find_short(opts, *p);
                        if (!o) {
                                usage_error(cmd, opts, false, "unknown shorthand flag: '%c' in %s",
                                            *p, a);
                                *ret_exit = CLI_EXIT_ENGINE;
                                return -EINVAL;
                        }
                        const char *value = NULL;
                        if (p[1] == '=') {
                                value = p + 2;
                        } else if (o->type != CLI_OPT_BOOL) {
                                if (p[1]) {
                                        value = p + 1;
                                } else if (i + 1 < argc) {
                                        value = argv[++i];
                                } else {
                                        usage_error(cmd, opts, false,
                                                    "flag needs an argument: '%c' in %s", *p, a);
                                        *ret_exit = CLI_EXIT_ENGINE;
                                        return -EINVAL;
                                }
                        }
                        if (set_value(cmd, opts, o, value) < 0) {
                                *ret_exit = CLI_EXIT_ENGINE;
                                return -EINVAL;
                        }
                        if (value)
                                break;
                }
        }
        if (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args)) {
                char what[64];
                if (cmd->max_args == 0)
                        snprintf(what, sizeof(what), "accepts no arguments");
                else if (cmd->min_args == cmd->max_args)
                        snprintf(what, sizeof(what), "requires %d argument%s", cmd->min_args,
                                 cmd->min_args == 1 ? "" : "s");
                else if (nargs < cmd->min_args)
                        snprintf(what, sizeof(what), "requires at least %d argument%s",
                                 cmd->min_args, cmd->min_args == 1 ? "" : "s");
                else
                        snprintf(what, sizeof(what), "requires at most %d argument%s",
                                 cmd->max_args, cmd->max_args == 1 ? "" : "s");
                fprintf(stderr, "%s: ", cli_program);
                usage_error(cmd, opts, nargs < cmd->min_args && cmd->max_args != cmd->min_args,
                            "'%s %s' %s", cli_program, cmd_name(cmd), what);
                *ret_exit = 1;
                return -EINVAL;
        }
        *ret_args = TAKE_PTR(args);
        *ret_nargs = nargs;
        return 0;
}

void cli_print_usage(FILE *f, const CliCommand *cmd, const CliOpt *opts)
{
        size_t width = 0;
        char left[160];

        fprintf(f, "Usage:  %s %s %s\n\n%s\n", cli_program, cmd_name(cmd), cmd->usage,
                cmd->summary);
        if (cmd->aliases)
                fprintf(f, "\nAliases:\n  %s\n", cmd->aliases);
        if (!opts || !opts->long_name)
                return;
        for (const CliOpt *o = opts; o->long_name; o++) {
                if (o->hidden)
                        continue;
                snprintf(left, sizeof(left), "%s%c%s --%s%s%s", o->short_name ? "  -" : "   ",
                         o->short_name ? o->short_name : ' ', o->short_name ? "," : " ",
                         o->long_name, o->type_name ? " " : "", o->type_name ? o->type_name : "");
                if (strlen(left) > width)
                        width = strlen(left);
        }
        fprintf(f, "\nOptions:\n");
        for (const CliOpt *o = opts; o->long_name; o++) {
                if (o->hidden)
                        continue;
                snprintf(left, sizeof(left), "%s%c%s --%s%s%s", o->short_name ? "  -" : "   ",
                         o->short_name ? o->short_name : ' ', o->short_name ? "," : " ",
                         o->long_name, o->type_name ? " " : "", o->type_name ? o->type_name : "");
                fprintf(f, "%-*s   %s\n", (int)width, left, o->help ? o->help : "");
        }
}
