/* Container names and IDs: validation, random names, lookup. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "daemon/engine_internal.h"

/* Docker's validContainerNamePattern: ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$ */
bool engine_name_valid(const char *name)
{
        if (!name)
                return false;
        if (*name == '/')
                name++;
        size_t n = strlen(name);
        if (n < 2 || n > 255)
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = name[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                             (ch >= '0' && ch <= '9');
                if (i == 0 ? !alnum : !(alnum || ch == '_' || ch == '.' || ch == '-'))
                        return false;
        }
        return true;
}

static const char *const adjectives[] = {
    "agile",   "bold",  "brave",  "bright",  "calm",   "clever", "cool",   "crisp",
    "daring",  "eager", "elated", "fervent", "fond",   "gentle", "happy",  "humble",
    "jolly",   "keen",  "kind",   "lucid",   "merry",  "modest", "nimble", "noble",
    "patient", "proud", "quiet",  "quick",   "serene", "sharp",  "steady", "stoic",
    "sunny",   "swift", "tender", "upbeat",  "vivid",  "warm",   "wise",   "zealous",
};

static const char *const surnames[] = {
    "agnesi",  "babbage", "bohr",     "curie",   "darwin",   "dijkstra", "einstein", "euler",
    "faraday", "fermat",  "feynman",  "gauss",   "goodall",  "hamilton", "hopper",   "hypatia",
    "johnson", "kepler",  "knuth",    "lamport", "lovelace", "maxwell",  "meitner",  "mirzakhani",
    "noether", "pascal",  "poincare", "ritchie", "shannon",  "thompson", "turing",   "wozniak",
};

static uint32_t rand32(void)
{
        uint32_t v = 0;
        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                v = (uint32_t)rand();
        return v;
}

void engine_name_random(char *buf, size_t len)
{
        uint32_t r = rand32();
        snprintf(buf, len, "%s_%s", adjectives[r % ARRAY_SIZE(adjectives)],
                 surnames[(r >> 8) % ARRAY_SIZE(surnames)]);
}

void engine_id_new(char id[65])
{
        unsigned char raw[32];
        for (;;) {
                size_t got = 0;
                while (got < sizeof(raw)) {
                        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
                        if (n > 0)
                                got += (size_t)n;
                }
                for (size_t i = 0; i < sizeof(raw); i++)
                        snprintf(id + 2 * i, 3, "%02x", raw[i]);
                /* Docker avoids IDs that look like numbers (short ID parsing). */
                bool all_digits = true;
                for (size_t i = 0; i < 12; i++)
                        if (id[i] < '0' || id[i] > '9')
                                all_digits = false;
                if (!all_digits)
                        return;
        }
}

Ctr *engine_lookup_name(Ctr *const *v, size_t n, const char *name)
{
        if (*name == '/')
                name++;
        for (size_t i = 0; i < n; i++)
                if (STREQ(v[i]->name + 1, name))
                        return v[i];
        return NULL;
}

static bool is_hex(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

Ctr *engine_lookup(Ctr *const *v, size_t n, const char *name, BerthError **err)
{
        if (!name || !*name) {
                error_set(err, ENOENT, "No such container: %s", name ? name : "");
                return NULL;
        }
        size_t len = strlen(name);
        if (len == 64)
                for (size_t i = 0; i < n; i++)
                        if (STREQ(v[i]->id, name))
                                return v[i];
        Ctr *c = engine_lookup_name(v, n, name);
        if (c)
                return c;
        if (len < 64 && is_hex(name)) {
                Ctr *found = NULL;
                for (size_t i = 0; i < n; i++) {
                        if (strncmp(v[i]->id, name, len) != 0)
                                continue;
                        if (found) {
                                error_set(err, EINVAL,
                                          "multiple IDs found with provided prefix: %s", name);
                                return NULL;
                        }
                        found = v[i];
                }
                if (found)
                        return found;
        }
        error_set(err, ENOENT, "No such container: %s", name);
        return NULL;
}
