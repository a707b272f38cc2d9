/* Quoting untrusted strings for error messages: control characters are
 * escaped and long values cut, so an error stays one readable line. */
#pragma once

#include <stddef.h>

#include "common/error.h"

#define IMG_QUOTE_MAX 160

/* Writes a printable form of s (at most IMG_QUOTE_MAX bytes with the NUL)
 * into buf and returns buf. */
const char *img_quote(const char *s, char buf[IMG_QUOTE_MAX]);

/* Escapes control characters in an error's message in place of the
 * original (jansson quotes raw input, newlines included, in its errors). */
void img_error_escape(BerthError *err);
