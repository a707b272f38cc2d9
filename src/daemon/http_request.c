/* The request parser wrapper: http-parser callbacks collect the head into an
 * HttpRequest and pause the parser at the head's end and the message's end. */
#include "daemon/http_request.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void max_header_size_once(void)
{
        /* http-parser's own cap (80 KiB by default) counts the CRLFs and
         * the colons too: leave it a little above ours. */
        http_parser_set_max_header_size((uint32_t)(HTTP_HEAD_MAX + 16 * 1024));
}

void http_request_init(HttpRequest *r)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, max_header_size_once);
        *r = (HttpRequest){0};
        http_parser_init(&r->parser, HTTP_REQUEST);
        r->parser.data = r;
}

static void fields_free(HttpField *f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(f[i].name);
                free(f[i].value);
        }
        free(f);
}

void http_request_clear(HttpRequest *r)
{
        free(r->url);
        free(r->path);
        fields_free(r->query, r->n_query);
        fields_free(r->headers, r->n_headers);
        http_request_init(r);
}

/* Appends len bytes to the NUL-terminated *s (of length *slen). */
static int append(char **s, size_t *slen, const char *at, size_t len)
{
        size_t old = *slen;
        char *n = realloc(*s, old + len + 1);
        if (!n)
                return -1;
        memcpy(n + old, at, len);
        n[old + len] = '\0';
        *s = n;
        *slen = old + len;
        return 0;
}

/* Counts head bytes; fails the parse once over the limit. */
static int count_head(HttpRequest *r, size_t len)
{
        r->head_bytes += len;
        if (r->head_bytes > HTTP_HEAD_MAX) {
                r->too_large = true;
                return -1;
        }
        return 0;
}

static int on_message_begin(http_parser *p)
{
        HttpRequest *r = p->data;
        r->started = true;
        return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
        HttpRequest *r = p->data;
        if (count_head(r, len) < 0)
                return -1;
        if (append(&r->url, &r->url_len, at, len) < 0) {
                r->oom = true;
                return -1;
        }
        return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
        HttpRequest *r = p->data;
        if (count_head(r, len) < 0)
                return -1;
        if (r->in_value || r->n_headers == 0) {
                HttpField *h = reallocarray(r->headers, r->n_headers + 1, sizeof(*h));
                if (!h) {
                        r->oom = true;
                        return -1;
                }
                r->headers = h;
                h[r->n_headers++] = (HttpField){0};
                r->in_value = false;
        }
        HttpField *h = &r->headers[r->n_headers - 1];
        size_t n = h->name ? strlen(h->name) : 0;
        if (append(&h->name, &n, at, len) < 0) {
                r->oom = true;
                return -1;
        }
        return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
        HttpRequest *r = p->data;
        if (count_head(r, len) < 0)
                return -1;
        if (r->n_headers == 0)
                return -1;
        r->in_value = true;
        HttpField *h = &r->headers[r->n_headers - 1];
        size_t n = h->value ? strlen(h->value) : 0;
        if (append(&h->value, &n, at, len) < 0) {
                r->oom = true;
                return -1;
        }
        return 0;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

size_t http_unescape(char *s, bool plus)
{
        char *w = s;
        for (const char *p = s; *p; p++) {
                int hi, lo;
                if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
                        *w++ = (char)(hi * 16 + lo);
                        p += 2;
                } else if (*p == '+' && plus)
                        *w++ = ' ';
                else
                        *w++ = *p;
        }
        *w = '\0';
        return (size_t)(w - s);
}

/* Splits "a=1&b&c=%20" into decoded fields; a key without '=' has a NULL
 * value (present, empty), as libmicrohttpd reported it. */
static int parse_query(HttpRequest *r, const char *q)
{
        while (*q) {
                size_t n = strcspn(q, "&");
                if (n > 0) {
                        HttpField *f = reallocarray(r->query, r->n_query + 1, sizeof(*f));
                        if (!f)
                                return -1;
                        r->query = f;
                        const char *eq = memchr(q, '=', n);
                        HttpField *nf = &f[r->n_query];
                        *nf = (HttpField){0};
                        nf->name = strndup(q, eq ? (size_t)(eq - q) : n);
                        if (eq)
                                nf->value = strndup(eq + 1, n - (size_t)(eq - q) - 1);
                        if (!nf->name || (eq && !nf->value)) {
                                free(nf->name);
                                free(nf->value);
                                return -1;
                        }
                        r->n_query++;
                        http_unescape(nf->name, true);
                        if (nf->value)
                                http_unescape(nf->value, true);
                }
                q += n;
                if (*q == '&')
                        q++;
        }
        return 0;
}

static int on_headers_complete(http_parser *p)
{
        HttpRequest *r = p->data;
        if (!r->url) {
                /* http-parser refuses an empty target; be safe anyway */
                return -1;
        }
        r->method = http_method_str((enum http_method)p->method);
        r->http_major = p->http_major;
        r->http_minor = p->http_minor;
        r->chunked = (p->flags & F_CHUNKED) != 0;
        r->has_length = p->content_length != ULLONG_MAX && !r->chunked;
        r->content_length = r->has_length ? p->content_length : 0;
        r->keep_alive = http_should_keep_alive(p) != 0;
        const char *expect = http_request_header(r, "Expect");
        r->expect_continue = expect && strcasecmp(expect, "100-continue") == 0 &&
                             (r->http_major > 1 || (r->http_major == 1 && r->http_minor >= 1));
        size_t plen = strcspn(r->url, "?#");
        r->path = strndup(r->url, plen);
        if (!r->path) {
                r->oom = true;
                return -1;
        }
        http_unescape(r->path, false);
        if (r->url[plen] == '?') {
                char *q = strndup(r->url + plen + 1, strcspn(r->url + plen + 1, "#"));
                int k = q ? parse_query(r, q) : -1;
                free(q);
                if (k < 0) {
                        r->oom = true;
                        return -1;
                }
        }
        r->state = HTTP_STATE_BODY;
        http_parser_pause(p, 1);
        return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
        HttpRequest *r = p->data;
        if (r->on_body)
                r->on_body(at, len, r->body_userdata);
        return 0;
}

static int on_message_complete(http_parser *p)
{
        HttpRequest *r = p->data;
        r->state = HTTP_STATE_DONE;
        http_parser_pause(p, 1);
        return 0;
}

static const http_parser_settings *settings(void)
{
        static const http_parser_settings s = {
            .on_message_begin = on_message_begin,
            .on_url = on_url,
            .on_header_field = on_header_field,
            .on_header_value = on_header_value,
            .on_headers_complete = on_headers_complete,
            .on_body = on_body,
            .on_message_complete = on_message_complete,
        };
        return &s;
}

size_t http_request_feed(HttpRequest *r, const char *data, size_t len)
{
        if (r->state == HTTP_STATE_DONE || r->state == HTTP_STATE_ERROR || len == 0)
                return 0;
        size_t n = http_parser_execute(&r->parser, settings(), data, len);
        enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
        if (e == HPE_PAUSED) {
                http_parser_pause(&r->parser, 0);
                return n;
        }
        if (e != HPE_OK) {
                r->state = HTTP_STATE_ERROR;
                r->error_status = r->too_large || e == HPE_HEADER_OVERFLOW ? 431 : 400;
                if (r->oom)
                        r->error_status = 500;
                return n;
        }
        return n;
}

bool http_request_has_body(const HttpRequest *r)
{
        return r->chunked || (r->has_length && r->content_length > 0);
}

const char *http_request_header(const HttpRequest *r, const char *name)
{
        for (size_t i = 0; i < r->n_headers; i++)
                if (r->headers[i].name && strcasecmp(r->headers[i].name, name) == 0)
                        return r->headers[i].value ? r->headers[i].value : "";
        return NULL;
}
