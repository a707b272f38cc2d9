/* Query-string helpers that Docker's API defines: booleans and filters. */
#include "daemon/api_router.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/json.h"

bool api_parse_bool(const char *s)
{
        if (!s)
                return false;
        while (isspace((unsigned char)*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char)s[n - 1]))
                n--;
        static const char *const falsy[] = {"", "0", "no", "false", "none"};
        for (size_t i = 0; i < ARRAY_SIZE(falsy); i++)
                if (strlen(falsy[i]) == n && strncasecmp(s, falsy[i], n) == 0)
                        return false;
        return true;
}

/* Adds value to the array of name unless it is there already (filters are
 * sets in Docker). */
static int filters_add(json_t *out, const char *name, const char *value)
{
        json_t *arr = json_object_get(out, name);
        if (!arr) {
                arr = json_array();
                if (!arr || json_object_set_new(out, name, arr) < 0)
                        return -ENOMEM;
        }
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
        {
                if (STREQ(json_string_value(v), value))
                        return 0;
        }
        return json_array_append_new(arr, json_string(value)) < 0 ? -ENOMEM : 0;
}

/* A copy of a client's text for an error message: control characters
 * (a JSON "\n" in a filter name, say) become spaces, so that the message
 * stays on one line. NULL only without memory. */
static char *one_line(const char *s)
{
        char *c = strdup(s ? s : "");
        for (char *p = c; p && *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = ' ';
        return c;
}

int api_filters_parse(const char *s, json_t **ret, BerthError **err)
{
        _cleanup_json_ json_t *out = json_object();
        if (!out)
                return error_set(err, ENOMEM, "filters: out of memory");
        if (!s || !*s) {
                *ret = TAKE_PTR(out);
                return 0;
        }
        json_error_t jerr;
        _cleanup_json_ json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
                /* jansson quotes the text near the error */
                _cleanup_free_ char *text = one_line(jerr.text);
                return error_set(err, EINVAL, "invalid filters: %s", text ? text : "");
        }
        if (!json_is_object(doc))
                return error_set(err, EINVAL, "invalid filters: expected a JSON object, got %s",
                                 json_type_name(doc));
        const char *name;
        json_t *val;
        json_object_foreach(doc, name, val)
        {
                if (json_is_null(val))
                        continue;
                if (json_is_object(val)) {
                        /* {"label": {"a=b": true}}: the keys are the values. */
                        const char *k;
                        json_t *b;
                        json_object_foreach(val, k, b)
                        {
                                if (!json_is_boolean(b)) {
                                        _cleanup_free_ char *n = one_line(name);
                                        _cleanup_free_ char *kk = one_line(k);
                                        return error_set(err, EINVAL,
                                                         "invalid filters: %s.%s: expected a "
                                                         "boolean, got %s",
                                                         n ? n : "", kk ? kk : "",
                                                         json_type_name(b));
                                }
                                if (filters_add(out, name, k) < 0)
                                        return error_set(err, ENOMEM, "filters: out of memory");
                        }
                } else if (json_is_array(val)) {
                        /* The legacy {"label": ["a=b"]}. */
                        size_t i;
                        json_t *v;
                        json_array_foreach(val, i, v)
                        {
                                if (!json_is_string(v)) {
                                        _cleanup_free_ char *n = one_line(name);
                                        return error_set(err, EINVAL,
                                                         "invalid filters: %s[%zu]: expected a "
                                                         "string, got %s",
                                                         n ? n : "", i, json_type_name(v));
                                }
                                if (filters_add(out, name, json_string_value(v)) < 0)
                                        return error_set(err, ENOMEM, "filters: out of memory");
                        }
                } else {
                        _cleanup_free_ char *n = one_line(name);
                        return error_set(err, EINVAL,
                                         "invalid filters: %s: expected an object or an array, "
                                         "got %s",
                                         n ? n : "", json_type_name(val));
                }
                if (!json_object_get(out, name)) {
                        json_t *empty = json_array();
                        if (!empty || json_object_set_new(out, name, empty) < 0)
                                return error_set(err, ENOMEM, "filters: out of memory");
                }
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int api_filters_validate(json_t *filters, const char *const *allowed, BerthError **err)
{
        const char *name;
        json_t *val;
        json_object_foreach(filters, name, val)
        {
                bool ok = false;
                for (const char *const *a = allowed; a && *a; a++)
                        if (STREQ(*a, name)) {
                                ok = true;
                                break;
                        }
                if (!ok) {
                        _cleanup_free_ char *n = one_line(name);
                        return error_set(err, EINVAL, "invalid filter '%s'", n ? n : "");
                }
        }
        return 0;
}

json_t *api_filters_get(json_t *filters, const char *name)
{
        return json_object_get(filters, name);
}
