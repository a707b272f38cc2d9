/* A subset of Go's text/template for --format and inspect -f, evaluated over
 * JSON values: {{.}}, {{.Field.Sub}}, pipelines with |, functions json,
 * lower, upper, title, join, split, index, len, println, truncate, printf
 * (%s %d %v), eq, ne, not, and/or; {{if}}/{{else}}/{{end}},
 * {{range}}/{{end}}; "{{-"/"-}}" trimming. Values print as Go prints the
 * decoded JSON: maps as map[k:v], arrays as [a b], missing keys as
 * <no value>. Also docker's table writer (Go tabwriter, minwidth 10,
 * padding 3). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"

typedef enum ArgKind { ARG_DOT, ARG_FIELD, ARG_STRING, ARG_NUMBER, ARG_IDENT, ARG_BOOL } ArgKind;

typedef struct Arg {
        ArgKind kind;
        char *text;    /* field path without the leading dot, string, ident */
        long long num; /* ARG_NUMBER, ARG_BOOL */
} Arg;

typedef struct Cmd {
        Arg *args;
        size_t nargs;
} Cmd;

typedef struct Pipe {
        Cmd *cmds;
        size_t ncmds;
} Pipe;

typedef enum NodeKind { NODE_TEXT, NODE_ACTION, NODE_IF, NODE_RANGE } NodeKind;

typedef struct Node Node;
typedef struct NodeList {
        Node **v;
        size_t n;
} NodeList;

struct Node {
        NodeKind kind;
        char *text;
        Pipe pipe;
        NodeList body, orelse;
};

struct CliTemplate {
        NodeList root;
};

/* ---- freeing ------------------------------------------------------------ */

static void pipe_free(Pipe *p)
{
        for (size_t i = 0; i < p->ncmds; i++) {
                for (size_t j = 0; j < p->cmds[i].nargs; j++)
                        free(p->cmds[i].args[j].text);
                free(p->cmds[i].args);
        }
        free(p->cmds);
}

static void list_free(NodeList *l);

static void node_free(Node *n)
{
        if (!n)
                return;
        free(n->text);
        pipe_free(&n->pipe);
        list_free(&n->body);
        list_free(&n->orelse);
        free(n);
}

static void list_free(NodeList *l)
{
        for (size_t i = 0; i < l->n; i++)
                node_free(l->v[i]);
        free(l->v);
        l->v = NULL;
        l->n = 0;
}

CliTemplate *cli_template_free(CliTemplate *t)
{
        if (t) {
                list_free(&t->root);
                free(t);
        }
        return NULL;
}

static int list_push(NodeList *l, Node *n)
{
        Node **v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        v[l->n++] = n;
        l->v = v;
        return 0;
}

/* ---- lexing an action --------------------------------------------------- */

static int parse_pipe(const char *s, Pipe *ret, BerthError **err)
{
        const char *p = s;
        Cmd cur = {0};

        memset(ret, 0, sizeof(*ret));
        for (;;) {
                while (isspace((unsigned char)*p))
                        p++;
                if (!*p || *p == '|') {
                        if (cur.nargs == 0)
                                return error_set(err, EINVAL,
                                                 "template: missing value for command in \"%s\"",
                                                 s);
                        Cmd *c = realloc(ret->cmds, (ret->ncmds + 1) * sizeof(*c));
                        if (!c)
                                return -ENOMEM;
                        ret->cmds = c;
                        ret->cmds[ret->ncmds++] = cur;
                        memset(&cur, 0, sizeof(cur));
                        if (!*p)
                                return 0;
                        p++;
                        continue;
                }
                Arg a = {0};
                if (*p == '.') {
                        const char *start = p + 1;
                        p++;
                        while (*p && !isspace((unsigned char)*p) && *p != '|' && *p != ')')
                                p++;
                        if (p == start) {
                                a.kind = ARG_DOT;
                        } else {
                                a.kind = ARG_FIELD;
                                a.text = strndup(start, (size_t)(p - start));
                        }
                } else if (*p == '"' || *p == '`') {
                        char q = *p++;
                        size_t cap = strlen(p) + 1, n = 0;
                        a.kind = ARG_STRING;
                        a.text = malloc(cap);
                        if (!a.text)
                                return -ENOMEM;
                        while (*p && *p != q) {
                                if (q == '"' && *p == '\\' && p[1]) {
                                        p++;
                                        char c = *p;
                                        a.text[n++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
                                        p++;
                                        continue;
                                }
                                a.text[n++] = *p++;
                        }
                        a.text[n] = 0;
                        if (*p != q) {
                                free(a.text);
                                return error_set(err, EINVAL,
                                                 "template: unterminated quoted string in \"%s\"",
                                                 s);
                        }
                        p++;
                } else if (isdigit((unsigned char)*p) || *p == '-') {
                        char *end = NULL;
                        a.kind = ARG_NUMBER;
                        a.num = strtoll(p, &end, 10);
                        p = end;
                } else if (isalpha((unsigned char)*p) || *p == '_') {
                        const char *start = p;
                        while (isalnum((unsigned char)*p) || *p == '_')
                                p++;
                        a.kind = ARG_IDENT;
                        a.text = strndup(start, (size_t)(p - start));
                        if (STREQ(a.text, "true") || STREQ(a.text, "false")) {
                                a.kind = ARG_BOOL;
                                a.num = STREQ(a.text, "true");
                        }
                } else {
                        return error_set(err, EINVAL, "template: unexpected \"%c\" in \"%s\"", *p,
                                         s);
                }
                Arg *v = realloc(cur.args, (cur.nargs + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                cur.args = v;
                cur.args[cur.nargs++] = a;
        }
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct Parser {
        const char *p;
        BerthError **err;
        const char *src;
} Parser;

/* Parses nodes into l until {{end}} / {{else}} (returned in *ret_stop: 0
 * end of input, 1 end, 2 else). */
static int parse_list(Parser *ps, NodeList *l, int *ret_stop)
{
        bool trim_next = false;
        for (;;) {
                const char *open = strstr(ps->p, "{{");
                size_t tlen = open ? (size_t)(open - ps->p) : strlen(ps->p);
                const char *tstart = ps->p;
                if (trim_next)
                        while (tlen && isspace((unsigned char)*tstart))
                                tstart++, tlen--;
                bool trim_prev = open && open[2] == '-' && isspace((unsigned char)open[3]);
                if (trim_prev)
                        while (tlen && isspace((unsigned char)tstart[tlen - 1]))
                                tlen--;
                if (tlen) {
                        Node *n = calloc(1, sizeof(*n));
                        if (!n)
                                return -ENOMEM;
                        n->kind = NODE_TEXT;
                        n->text = strndup(tstart, tlen);
                        if (list_push(l, n) < 0) {
                                node_free(n);
                                return -ENOMEM;
                        }
                }
                if (!open) {
                        *ret_stop = 0;
                        return 0;
                }
                const char *body = open + 2 + (trim_prev ? 1 : 0);
                const char *close = strstr(body, "}}");
                if (!close)
                        return error_set(ps->err, EINVAL, "template: unclosed action in \"%s\"",
                                         ps->src);
                const char *bend = close;
                trim_next = false;
                if (bend > body && bend[-1] == '-' && bend - 1 > body &&
                    isspace((unsigned char)bend[-2])) {
                        bend--;
                        trim_next = true;
                }
                ps->p = close + 2;
                _cleanup_free_ char *act = strndup(body, (size_t)(bend - body));
                if (!act)
                        return -ENOMEM;
                char *a = act;
                while (isspace((unsigned char)*a))
                        a++;
                size_t alen = strlen(a);
                while (alen && isspace((unsigned char)a[alen - 1]))
                        a[--alen] = 0;
                if (STREQ(a, "end")) {
                        *ret_stop = 1;
                        return 0;
                }
                if (STREQ(a, "else")) {
                        *ret_stop = 2;
                        return 0;
                }
                if (strncmp(a, "/*", 2) == 0)
                        continue;
                Node *n = calloc(1, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                const char *expr = a;
                if (strncmp(a, "if ", 3) == 0) {
                        n->kind = NODE_IF;
                        expr = a + 3;
                } else if (strncmp(a, "range ", 6) == 0) {
                        n->kind = NODE_RANGE;
                        expr = a + 6;
                } else {
                        n->kind = NODE_ACTION;
                }
                int r = parse_pipe(expr, &n->pipe, ps->err);
                if (r < 0) {
                        node_free(n);
                        return r;
                }
                if (n->kind != NODE_ACTION) {
                        int stop = 0;
                        r = parse_list(ps, &n->body, &stop);
                        if (r >= 0 && stop == 2) {
                                r = parse_list(ps, &n->orelse, &stop);
                                if (r >= 0 && stop == 2)
                                        r = error_set(ps->err, EINVAL,
                                                      "template: unexpected {{else}}");
                        }
                        if (r >= 0 && stop != 1)
                                r = error_set(ps->err, EINVAL, "template: unexpected EOF in \"%s\"",
                                              ps->src);
                        if (r < 0) {
                                node_free(n);
                                return r;
                        }
                }
                if (list_push(l, n) < 0) {
                        node_free(n);
                        return -ENOMEM;
                }
        }
}

int cli_template_parse(const char *text, CliTemplate **ret, bool *ret_table, BerthError **err)
{
        _cleanup_free_ char *src = NULL;
        bool table = false;
        int stop = 0, r;

        if (strncmp(text, "table", 5) == 0) {
                table = true;
                text += 5;
                while (*text == ' ')
                        text++;
        }
        /* docker replaces the two-character sequences \t and \n */
        src = malloc(strlen(text) + 1);
        if (!src)
                return -ENOMEM;
        size_t n = 0;
        for (const char *p = text; *p; p++) {
                if (p[0] == '\\' && p[1] == 't') {
                        src[n++] = '\t';
                        p++;
                } else if (p[0] == '\\' && p[1] == 'n') {
                        src[n++] = '\n';
                        p++;
                } else {
                        src[n++] = *p;
                }
        }
        src[n] = 0;
        CliTemplate *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        Parser ps = {.p = src, .err = err, .src = src};
        r = parse_list(&ps, &t->root, &stop);
        if (r >= 0 && stop != 0)
                r = error_set(err, EINVAL, "template: unexpected {{%s}}",
                              stop == 1 ? "end" : "else");
        if (r < 0) {
                cli_template_free(t);
                if (err && *err && strncmp((*err)->message, "template", 8) == 0)
                        error_prefix(err, "failed to parse template");
                return r;
        }
        *ret = t;
        if (ret_table)
                *ret_table = table;
        return 0;
}

/* ---- output buffer ------------------------------------------------------ */

typedef struct Buf {
        char *s;
        size_t len, cap;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *p = realloc(b->s, cap);
                if (!p)
                        return -ENOMEM;
                b->s = p;
                b->cap = cap;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
        return 0;
}

static int buf_str(Buf *b, const char *s)
{
        return buf_add(b, s, strlen(s));
}

/* Prints v as Go's fmt %v prints a decoded JSON value. */
static int print_value(Buf *b, json_t *v, bool top)
{
        char num[64];
        if (!v)
                return buf_str(b, "<no value>");
        switch (json_typeof(v)) {
        case JSON_STRING:
                return buf_add(b, json_string_value(v), json_string_length(v));
        case JSON_INTEGER:
                snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
                return buf_str(b, num);
        case JSON_REAL: {
                double d = json_real_value(v);
                snprintf(num, sizeof(num), "%.15g", d);
                if (strtod(num, NULL) != d)
                        snprintf(num, sizeof(num), "%.17g", d);
                return buf_str(b, num);
        }
        case JSON_TRUE:
                return buf_str(b, "true");
        case JSON_FALSE:
                return buf_str(b, "false");
        case JSON_NULL:
                return buf_str(b, top ? "<nil>" : "<nil>");
        case JSON_ARRAY: {
                size_t i;
                json_t *e;
                buf_str(b, "[");
                json_array_foreach(v, i, e)
                {
                        if (i)
                                buf_str(b, " ");
                        print_value(b, e, false);
                }
                return buf_str(b, "]");
        }
        case JSON_OBJECT: {
                /* Go prints maps with sorted keys */
                size_t n = json_object_size(v), i = 0;
                const char **keys = calloc(n + 1, sizeof(char *));
                const char *k;
                json_t *e;
                if (!keys)
                        return -ENOMEM;
                json_object_foreach(v, k, e) keys[i++] = k;
                for (size_t a = 1; a < n; a++)
                        for (size_t c = a; c > 0 && strcmp(keys[c - 1], keys[c]) > 0; c--) {
                                const char *t = keys[c];
                                keys[c] = keys[c - 1];
                                keys[c - 1] = t;
                        }
                buf_str(b, "map[");
                for (i = 0; i < n; i++) {
                        if (i)
                                buf_str(b, " ");
                        buf_str(b, keys[i]);
                        buf_str(b, ":");
                        print_value(b, json_object_get(v, keys[i]), false);
                }
                free(keys);
                return buf_str(b, "]");
        }
        }
        return 0;
}

static char *value_string(json_t *v)
{
        Buf b = {0};
        if (print_value(&b, v, true) < 0 || !b.s) {
                free(b.s);
                return strdup("");
        }
        return b.s;
}

static bool truthy(json_t *v)
{
        if (!v)
                return false;
        switch (json_typeof(v)) {
        case JSON_STRING:
                return json_string_length(v) > 0;
        case JSON_INTEGER:
                return json_integer_value(v) != 0;
        case JSON_REAL:
                return json_real_value(v) != 0;
        case JSON_TRUE:
                return true;
        case JSON_FALSE:
        case JSON_NULL:
                return false;
        case JSON_ARRAY:
                return json_array_size(v) > 0;
        case JSON_OBJECT:
                return json_object_size(v) > 0;
        }
        return false;
}

/* ---- evaluation --------------------------------------------------------- */

typedef struct Eval {
        BerthError **err;
} Eval;

/* New reference, or NULL for "no value". *failed set on error. */
static json_t *field(json_t *dot, const char *path, Eval *ev, int *failed)
{
        json_t *cur = dot;
        _cleanup_free_ char *copy = strdup(path);
        char *save = NULL;
        if (!copy) {
                *failed = -ENOMEM;
                return NULL;
        }
        for (char *tok = strtok_r(copy, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
                if (!cur || json_is_null(cur))
                        return NULL;
                if (!json_is_object(cur)) {
                        *failed = error_set(ev->err, EINVAL,
                                            "template: can't evaluate field %s in type %s", tok,
                                            json_is_array(cur) ? "[]interface {}" : "interface {}");
                        return NULL;
                }
                cur = json_object_get(cur, tok);
        }
        return json_incref(cur);
}

static json_t *eval_arg(const Arg *a, json_t *dot, Eval *ev, int *failed)
{
        switch (a->kind) {
        case ARG_DOT:
                return json_incref(dot);
        case ARG_FIELD:
                return field(dot, a->text, ev, failed);
        case ARG_STRING:
                return json_string(a->text);
        case ARG_NUMBER:
                return json_integer(a->num);
        case ARG_BOOL:
                return json_boolean(a->num);
        case ARG_IDENT:
                *failed =
                    error_set(ev->err, EINVAL, "template: function \"%s\" not defined", a->text);
                return NULL;
        }
        return NULL;
}

static json_t *str_result(char *s)
{
        json_t *j = s ? json_string(s) : NULL;
        free(s);
        return j;
}

static json_t *call(const char *fn, json_t **argv, size_t argc, Eval *ev, int *failed)
{
#define NEED(n)                                                                                    \
        do {                                                                                       \
                if (argc != (n)) {                                                                 \
                        *failed = error_set(ev->err, EINVAL,                                       \
                                            "template: wrong number of args for %s: want %d got "  \
                                            "%zu",                                                 \
                                            fn, (n), argc);                                        \
                        return NULL;                                                               \
                }                                                                                  \
        } while (0)
        if (STREQ(fn, "json")) {
                NEED(1);
                char *s =
                    argv[0] ? json_dumps(argv[0], JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");
                return str_result(s);
        }
        if (STREQ(fn, "lower") || STREQ(fn, "upper") || STREQ(fn, "title")) {
                NEED(1);
                char *s = value_string(argv[0]);
                bool start = true;
                for (char *p = s; p && *p; p++) {
                        if (fn[0] == 'l')
                                *p = (char)tolower((unsigned char)*p);
                        else if (fn[0] == 'u')
                                *p = (char)toupper((unsigned char)*p);
                        else {
                                if (start)
                                        *p = (char)toupper((unsigned char)*p);
                                start = isspace((unsigned char)*p);
                        }
                }
                return str_result(s);
        }
        if (STREQ(fn, "join")) {
                NEED(2);
                Buf b = {0};
                _cleanup_free_ char *sep = value_string(argv[1]);
                buf_str(&b, "");
                if (json_is_array(argv[0])) {
                        size_t i;
                        json_t *e;
                        json_array_foreach(argv[0], i, e)
                        {
                                if (i)
                                        buf_str(&b, sep);
                                print_value(&b, e, false);
                        }
                } else if (argv[0]) {
                        print_value(&b, argv[0], false);
                }
                return str_result(b.s);
        }
        if (STREQ(fn, "split")) {
                NEED(2);
                _cleanup_free_ char *s = value_string(argv[0]);
                _cleanup_free_ char *sep = value_string(argv[1]);
                json_t *arr = json_array();
                char *p = s;
                size_t sl = strlen(sep);
                for (;;) {
                        char *q = sl ? strstr(p, sep) : NULL;
                        if (!q) {
                                json_array_append_new(arr, json_string(p));
                                break;
                        }
                        json_array_append_new(arr, json_stringn(p, (size_t)(q - p)));
                        p = q + sl;
                }
                return arr;
        }
        if (STREQ(fn, "index")) {
                if (argc < 2) {
                        NEED(2);
                }
                json_t *cur = argv[0];
                for (size_t i = 1; i < argc && cur; i++) {
                        if (json_is_object(cur)) {
                                _cleanup_free_ char *k = value_string(argv[i]);
                                cur = json_object_get(cur, k);
                        } else if (json_is_array(cur) && json_is_integer(argv[i])) {
                                cur = json_array_get(cur, (size_t)json_integer_value(argv[i]));
                        } else {
                                cur = NULL;
                        }
                }
                return json_incref(cur);
        }
        if (STREQ(fn, "len")) {
                NEED(1);
                json_t *v = argv[0];
                size_t n = json_is_array(v)    ? json_array_size(v)
                           : json_is_object(v) ? json_object_size(v)
                           : json_is_string(v) ? json_string_length(v)
                                               : 0;
                return json_integer((json_int_t)n);
        }
        if (STREQ(fn, "println") || STREQ(fn, "print")) {
                Buf b = {0};
                buf_str(&b, "");
                for (size_t i = 0; i < argc; i++) {
                        if (i)
                                buf_str(&b, " ");
                        print_value(&b, argv[i], false);
                }
                if (fn[5] == 'l')
                        buf_str(&b, "\n");
                return str_result(b.s);
        }
        if (STREQ(fn, "truncate")) {
                NEED(2);
                char *s = value_string(argv[0]);
                long long n = json_integer_value(argv[1]);
                if (s && n >= 0 && strlen(s) > (size_t)n)
                        s[n] = 0;
                return str_result(s);
        }
        if (STREQ(fn, "eq") || STREQ(fn, "ne")) {
                NEED(2);
                bool eq = argv[0] && argv[1] ? json_equal(argv[0], argv[1]) : argv[0] == argv[1];
                return json_boolean(fn[0] == 'e' ? eq : !eq);
        }
        if (STREQ(fn, "not")) {
                NEED(1);
                return json_boolean(!truthy(argv[0]));
        }
        if (STREQ(fn, "and") || STREQ(fn, "or")) {
                json_t *last = NULL;
                for (size_t i = 0; i < argc; i++) {
                        last = argv[i];
                        if (fn[0] == 'a' ? !truthy(last) : truthy(last))
                                break;
                }
                return json_incref(last);
        }
        if (STREQ(fn, "printf")) {
                if (argc < 1) {
                        NEED(1);
                }
                Buf b = {0};
                _cleanup_free_ char *f = value_string(argv[0]);
                size_t ai = 1;
                buf_str(&b, "");
                for (const char *p = f; *p; p++) {
                        if (*p != '%' || !p[1]) {
                                buf_add(&b, p, 1);
                                continue;
                        }
                        p++;
                        if (*p == '%') {
                                buf_str(&b, "%");
                                continue;
                        }
                        if (ai < argc)
                                print_value(&b, argv[ai++], false);
                        else
                                buf_str(&b, "%!v(MISSING)");
                }
                return str_result(b.s);
        }
        *failed = error_set(ev->err, EINVAL, "template: function \"%s\" not defined", fn);
        return NULL;
#undef NEED
}

static json_t *eval_pipe(const Pipe *p, json_t *dot, Eval *ev, int *failed)
{
        json_t *prev = NULL;
        bool have_prev = false;
        for (size_t c = 0; c < p->ncmds && !*failed; c++) {
                const Cmd *cmd = &p->cmds[c];
                json_t *res;
                if (cmd->args[0].kind == ARG_IDENT) {
                        size_t argc = cmd->nargs - 1 + (have_prev ? 1 : 0);
                        json_t **argv = calloc(argc + 1, sizeof(json_t *));
                        if (!argv) {
                                *failed = -ENOMEM;
                                break;
                        }
                        for (size_t i = 1; i < cmd->nargs && !*failed; i++)
                                argv[i - 1] = eval_arg(&cmd->args[i], dot, ev, failed);
                        if (have_prev)
                                argv[argc - 1] = json_incref(prev);
                        res = *failed ? NULL : call(cmd->args[0].text, argv, argc, ev, failed);
                        for (size_t i = 0; i < argc; i++)
                                json_decref(argv[i]);
                        free(argv);
                } else {
                        if (cmd->nargs > 1 || have_prev) {
                                *failed =
                                    error_set(ev->err, EINVAL,
                                              "template: can't give argument to non-function");
                                break;
                        }
                        res = eval_arg(&cmd->args[0], dot, ev, failed);
                }
                json_decref(prev);
                prev = res;
                have_prev = true;
        }
        if (*failed) {
                json_decref(prev);
                return NULL;
        }
        return prev;
}

static int exec_list(const NodeList *l, json_t *dot, Buf *out, Eval *ev)
{
        for (size_t i = 0; i < l->n; i++) {
                const Node *n = l->v[i];
                int failed = 0;
                if (n->kind == NODE_TEXT) {
                        if (buf_str(out, n->text) < 0)
                                return -ENOMEM;
                        continue;
                }
                json_t *v = eval_pipe(&n->pipe, dot, ev, &failed);
                if (failed)
                        return failed;
                int r = 0;
                if (n->kind == NODE_ACTION) {
                        r = print_value(out, v, true);
                } else if (n->kind == NODE_IF) {
                        r = exec_list(truthy(v) ? &n->body : &n->orelse, dot, out, ev);
                } else if (json_is_array(v) && json_array_size(v)) {
                        size_t k;
                        json_t *e;
                        json_array_foreach(v, k, e)
                        {
                                r = exec_list(&n->body, e, out, ev);
                                if (r < 0)
                                        break;
                        }
                } else if (json_is_object(v) && json_object_size(v)) {
                        const char *key;
                        json_t *e;
                        json_object_foreach(v, key, e)
                        {
                                r = exec_list(&n->body, e, out, ev);
                                if (r < 0)
                                        break;
                        }
                } else {
                        r = exec_list(&n->orelse, dot, out, ev);
                }
                json_decref(v);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cli_template_exec(CliTemplate *t, json_t *dot, char **buf, size_t *len, BerthError **err)
{
        Buf b = {.s = *buf, .len = *len, .cap = *buf ? *len + 1 : 0};
        Eval ev = {.err = err};
        int r = buf_str(&b, "");
        if (r >= 0)
                r = exec_list(&t->root, dot, &b, &ev);
        *buf = b.s;
        *len = b.len;
        if (r < 0 && err && *err)
                error_prefix(err, "executing template");
        return r;
}

char *cli_template_render(CliTemplate *t, json_t *dot, BerthError **err)
{
        char *s = NULL;
        size_t len = 0;
        if (cli_template_exec(t, dot, &s, &len, err) < 0) {
                free(s);
                return NULL;
        }
        return s;
}

/* ---- table writer ------------------------------------------------------- */

int cli_table_add(CliTable *t, const char *line)
{
        if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 16;
                char **v = realloc(t->lines, cap * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                t->lines = v;
                t->cap = cap;
        }
        t->lines[t->n] = strdup(line);
        if (!t->lines[t->n])
                return -ENOMEM;
        t->n++;
        return 0;
}

static size_t text_width(const char *s, size_t n)
{
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] & 0xC0) != 0x80)
                        w++;
        return w;
}

void cli_table_flush(CliTable *t, FILE *out)
{
        cli_table_flush_min(t, out, 10);
}

void cli_table_flush_min(CliTable *t, FILE *out, size_t minwidth)
{
        size_t widths[64] = {0};
        const size_t padding = 3;

        for (size_t i = 0; i < t->n; i++) {
                const char *p = t->lines[i];
                size_t col = 0;
                for (const char *tab = strchr(p, '\t'); tab && col < 64;
                     p = tab + 1, tab = strchr(p, '\t'), col++) {
                        size_t w = text_width(p, (size_t)(tab - p)) + padding;
                        if (w < minwidth)
                                w = minwidth;
                        if (w > widths[col])
                                widths[col] = w;
                }
        }
        for (size_t i = 0; i < t->n; i++) {
                const char *p = t->lines[i];
                size_t col = 0;
                for (const char *tab = strchr(p, '\t'); tab && col < 64;
                     p = tab + 1, tab = strchr(p, '\t'), col++) {
                        size_t w = text_width(p, (size_t)(tab - p));
                        fwrite(p, 1, (size_t)(tab - p), out);
                        for (; w < widths[col]; w++)
                                fputc(' ', out);
                }
                fputs(p, out);
                fputc('\n', out);
                free(t->lines[i]);
        }
        free(t->lines);
        memset(t, 0, sizeof(*t));
}

int cli_format_rows(FILE *out, const char *format, const char *def, json_t *rows, json_t *header,
                    BerthError **err)
{
        CliTemplate *t = NULL;
        bool table = false;
        CliTable tab = {0};
        size_t i;
        json_t *row;
        int r;

        if (!format || !*format || STREQ(format, "table"))
                format = def;
        else if (STREQ(format, "json"))
                format = "{{json .}}";
        r = cli_template_parse(format, &t, &table, err);
        if (r < 0)
                return r;
        if (table && header) {
                char *h = cli_template_render(t, header, NULL);
                if (h)
                        cli_table_add(&tab, h);
                free(h);
        }
        json_array_foreach(rows, i, row)
        {
                char *line = cli_template_render(t, row, err);
                if (!line) {
                        cli_template_free(t);
                        for (size_t k = 0; k < tab.n; k++)
                                free(tab.lines[k]);
                        free(tab.lines);
                        return -EINVAL;
                }
                if (table)
                        cli_table_add(&tab, line);
                else
                        fprintf(out, "%s\n", line);
                free(line);
        }
        if (table)
                cli_table_flush(&tab, out);
        cli_template_free(t);
        return 0;
}
