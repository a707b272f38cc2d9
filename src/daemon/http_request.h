/* One HTTP/1.x request read from a byte stream, on top of http-parser:
 * request line, headers, decoded path and query, and the body handed out in
 * chunks. No sockets here: the connection code (api_server.c) reads and
 * feeds bytes, the fuzz target and unit tests feed buffers.
 *
 * http_request_feed() stops at two points so the caller can act between
 * them: after the head (route, 100-continue, refuse an oversized body) and
 * after the end of the message (run the handler). Bytes it did not consume
 * belong to what follows: the next pipelined request, or a hijacked stream. */
#pragma once

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Request line plus headers (names and values), in bytes; beyond it 431.
 * X-Registry-Auth is large. */
#define HTTP_HEAD_MAX ((size_t)128 * 1024)

typedef enum HttpState {
        HTTP_STATE_HEAD,  /* reading the request line and headers */
        HTTP_STATE_BODY,  /* head complete; reading the body (maybe empty) */
        HTTP_STATE_DONE,  /* message complete */
        HTTP_STATE_ERROR, /* malformed: reply error_status and close */
} HttpState;

typedef struct HttpField {
        char *name;
        char *value; /* NULL for a query key without '=' */
} HttpField;

/* Body bytes as they arrive (chunked framing removed). */
typedef void (*HttpBodyFn)(const char *data, size_t len, void *userdata);

typedef struct HttpRequest {
        http_parser parser;
        HttpState state;
        unsigned error_status; /* 400 or 431 in HTTP_STATE_ERROR */
        bool started;          /* a byte of the request line arrived */

        /* valid from HTTP_STATE_BODY on */
        const char *method; /* "GET", ... (static) */
        char *url;          /* the raw request target */
        char *path;         /* its path, percent-decoded ('+' stays) */
        HttpField *query;   /* decoded ('+' is a space), in order */
        size_t n_query;
        HttpField *headers; /* in order, as sent */
        size_t n_headers;
        unsigned http_major, http_minor;
        bool has_length; /* Content-Length given */
        uint64_t content_length;
        bool chunked;
        bool keep_alive;      /* the client's wish (version, Connection) */
        bool expect_continue; /* "Expect: 100-continue" on HTTP/1.1 */

        HttpBodyFn on_body;
        void *body_userdata;

        size_t url_len, head_bytes;
        bool in_value;  /* the last header callback was for a value */
        bool too_large; /* head over HTTP_HEAD_MAX */
        bool oom;
} HttpRequest;

void http_request_init(HttpRequest *r);
void http_request_clear(HttpRequest *r);
/* Parses up to len bytes; returns how many it consumed. Returns early when
 * the head or the message completes, or on error (see state). */
size_t http_request_feed(HttpRequest *r, const char *data, size_t len);
/* The request has a body (Content-Length > 0 or chunked). */
bool http_request_has_body(const HttpRequest *r);
/* First header of that name (any case); NULL when absent. */
const char *http_request_header(const HttpRequest *r, const char *name);

/* Percent-decodes s in place (invalid escapes stay as they are); with plus,
 * '+' becomes a space. Returns the new length (a %00 shortens the string). */
size_t http_unescape(char *s, bool plus);
