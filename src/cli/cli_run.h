/* Internal to run/create: the settings that are not part of the request. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

struct CliRunFlags {
        bool detach, interactive, tty, rm, sig_proxy, quiet;
        bool attach_stdin, attach_stdout, attach_stderr;
        char *image;
        char *detach_keys;
        const char *cidfile; /* borrowed from argv */
};

/* -p/--expose: adds "PORT/PROTO" keys to exposed, and the host bindings to
 * bindings (when non-NULL). Returns 0 or -EINVAL. */
/* One -p spec (network/portspec.h) into ExposedPorts, PortBindings and
 * berth's BerthSamePorts (random->random); any of the three may be NULL. */
int cli_parse_publish(const char *spec, json_t *exposed, json_t *bindings, json_t *same,
                      BerthError **err);
