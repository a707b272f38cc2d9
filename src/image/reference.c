/* Reference grammar (distribution/reference) and Docker's normalisation.
 * The grammar is matched by hand instead of with regexes; each helper names
 * the production it implements. */
#include "image/reference.h"
#include "common/cleanup.h"
#include "image/digest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX  "library/"

static bool is_alnum_lower(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum_any(char c)
{
        return is_alnum_lower(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
        return is_alnum_any(c) || c == '_';
}

bool img_tag_is_valid(const char *tag)
{
        size_t n = strlen(tag);
        if (n == 0 || n > IMG_TAG_MAX || !is_word(tag[0]))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-')
                        return false;
        return true;
}

bool img_is_hex_id(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == 64;
}

/* path-component: [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)* */
static bool path_component_valid(const char *s, size_t n)
{
        size_t i = 0;
        if (n == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
                return false;
        while (i < n) {
                if (is_alnum_lower(s[i])) {
                        i++;
                        continue;
                }
                size_t start = i;
                while (i < n && !is_alnum_lower(s[i]))
                        i++;
                size_t len = i - start;
                const char *sep = s + start;
                bool dashes = strspn(sep, "-") >= len;
                if (!(dashes || (len == 1 && (*sep == '.' || *sep == '_')) ||
                      (len == 2 && sep[0] == '_' && sep[1] == '_')))
                        return false;
        }
        return true;
}

/* path: path-component ('/' path-component)* */
static bool path_valid(const char *s, size_t n)
{
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
                if (i == n || s[i] == '/') {
                        if (!path_component_valid(s + start, i - start))
                                return false;
                        start = i + 1;
                }
        }
        return true;
}

/* domain-component: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_valid(const char *s, size_t n)
{
        if (n == 0 || !is_alnum_any(s[0]) || !is_alnum_any(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum_any(s[i]) && s[i] != '-')
                        return false;
        return true;
}

/* domain: host [':' port], host: domain-name | '[' ipv6 ']' */
static bool domain_valid(const char *s, size_t n)
{
        size_t host_end = n;
        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);
                if (!close || close == s + 1)
                        return false;
                for (const char *p = s + 1; p < close; p++)
                        if (!isxdigit((unsigned char)*p) && *p != ':')
                                return false;
                host_end = (size_t)(close - s) + 1;
                if (host_end < n && s[host_end] != ':')
                        return false;
        } else {
                const char *colon = memchr(s, ':', n);
                if (colon)
                        host_end = (size_t)(colon - s);
                size_t start = 0;
                for (size_t i = 0; i <= host_end; i++) {
                        if (i == host_end || s[i] == '.') {
                                if (!domain_component_valid(s + start, i - start))
                                        return false;
                                start = i + 1;
                        }
                }
        }
        if (host_end < n) {
                /* ':' [0-9]+ */
                if (host_end + 1 == n)
                        return false;
                for (size_t i = host_end + 1; i < n; i++)
                        if (s[i] < '0' || s[i] > '9')
                                return false;
        }
        return true;
}

/* [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,} */
static bool digest_syntax_valid(const char *s)
{
        const char *colon = strchr(s, ':');
        if (!colon)
                return false;
        bool need_alpha = true;
        for (const char *p = s; p < colon; p++) {
                bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
                if (need_alpha) {
                        if (!alpha)
                                return false;
                        need_alpha = false;
                } else if (strchr("-_+.", *p)) {
                        need_alpha = true;
                } else if (!is_alnum_any(*p)) {
                        return false;
                }
        }
        if (need_alpha)
                return false;
        size_t hex = 0;
        for (const char *p = colon + 1; *p; p++, hex++)
                if (!isxdigit((unsigned char)*p))
                        return false;
        return hex >= 32;
}

typedef struct Split {
        size_t name_len;   /* name is s[0, name_len) */
        size_t domain_len; /* 0: no domain */
        const char *tag;   /* points into s, tag_len long */
        size_t tag_len;
        const char *digest;
} Split;

/* ReferenceRegexp: name [':' tag] ['@' digest], anchored. */
static bool reference_match(const char *s, Split *sp)
{
        size_t n = strlen(s);
        const char *at = strchr(s, '@');
        *sp = (Split){0};
        if (at) {
                if (!digest_syntax_valid(at + 1))
                        return false;
                sp->digest = at + 1;
                n = (size_t)(at - s);
        }
        const char *slash = memrchr(s, '/', n);
        const char *colon = memrchr(s, ':', n);
        if (colon && (!slash || colon > slash)) {
                sp->tag = colon + 1;
                sp->tag_len = n - (size_t)(colon + 1 - s);
                if (sp->tag_len == 0 || sp->tag_len > IMG_TAG_MAX || !is_word(sp->tag[0]))
                        return false;
                for (size_t i = 1; i < sp->tag_len; i++)
                        if (!is_word(sp->tag[i]) && sp->tag[i] != '.' && sp->tag[i] != '-')
                                return false;
                n = (size_t)(colon - s);
        }
        sp->name_len = n;
        const char *first = memchr(s, '/', n);
        if (first && domain_valid(s, (size_t)(first - s)) &&
            path_valid(first + 1, n - (size_t)(first + 1 - s))) {
                sp->domain_len = (size_t)(first - s);
                return true;
        }
        return path_valid(s, n);
}

int img_reference_parse(const char *s, ImgReference **ret, BerthError **err)
{
        Split sp;
        if (!s || !*s)
                return error_set(err, EINVAL, "repository name must have at least one component");
        if (!reference_match(s, &sp)) {
                _cleanup_free_ char *lower = strdup(s);
                if (!lower)
                        return error_set(err, ENOMEM, "out of memory");
                for (char *p = lower; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
                Split ignored;
                if (reference_match(lower, &ignored))
                        return error_set(err, EINVAL, "repository name must be lowercase");
                return error_set(err, EINVAL, "invalid reference format");
        }
        if (sp.name_len > IMG_NAME_TOTAL_MAX)
                return error_set(err, EINVAL, "repository name must not be more than %d characters",
                                 IMG_NAME_TOTAL_MAX);
        if (sp.digest) {
                _cleanup_error_ BerthError *derr = NULL;
                if (img_digest_parse(sp.digest, NULL, &derr) < 0) {
                        /* go-digest's own sentence, without our "invalid digest" prefix */
                        const char *m = strstr(derr->message, "': ");
                        return error_set(err, EINVAL, "%s", m ? m + 3 : derr->message);
                }
        }
        _cleanup_(img_reference_freep) ImgReference *ref = calloc(1, sizeof(*ref));
        if (!ref)
                return error_set(err, ENOMEM, "out of memory");
        size_t path_off = sp.domain_len ? sp.domain_len + 1 : 0;
        ref->domain = strndup(s, sp.domain_len);
        ref->path = strndup(s + path_off, sp.name_len - path_off);
        if (sp.tag)
                ref->tag = strndup(sp.tag, sp.tag_len);
        if (sp.digest)
                ref->digest = strdup(sp.digest);
        if (!ref->domain || !ref->path || (sp.tag && !ref->tag) || (sp.digest && !ref->digest))
                return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(ref);
        return 0;
}

static bool has_upper(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
}

int img_reference_parse_normalized(const char *s, ImgReference **ret, BerthError **err)
{
        if (!s)
                s = "";
        if (img_is_hex_id(s))
                return error_set(
                    err, EINVAL,
                    "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);

        /* splitDockerDomain */
        const char *slash = strchr(s, '/');
        const char *domain = IMG_DEFAULT_DOMAIN;
        size_t domain_len = strlen(IMG_DEFAULT_DOMAIN);
        const char *remainder = s;
        if (slash) {
                size_t n = (size_t)(slash - s);
                bool is_domain = memchr(s, '.', n) || memchr(s, ':', n) ||
                                 (n == 9 && strncmp(s, "localhost", 9) == 0);
                if (is_domain) {
                        domain = s;
                        domain_len = n;
                        remainder = slash + 1;
                }
        }
        if (domain_len == strlen(LEGACY_DEFAULT_DOMAIN) &&
            strncmp(domain, LEGACY_DEFAULT_DOMAIN, domain_len) == 0) {
                domain = IMG_DEFAULT_DOMAIN;
                domain_len = strlen(IMG_DEFAULT_DOMAIN);
        }
        bool official = domain_len == strlen(IMG_DEFAULT_DOMAIN) &&
                        strncmp(domain, IMG_DEFAULT_DOMAIN, domain_len) == 0 &&
                        !strchr(remainder, '/');

        _cleanup_free_ char *full = NULL;
        if (asprintf(&full, "%.*s/%s%s", (int)domain_len, domain,
                     official ? OFFICIAL_REPO_PREFIX : "", remainder) < 0)
                return error_set(err, ENOMEM, "out of memory");
        const char *rem = full + domain_len + 1;
        const char *tagsep = strchr(rem, ':');
        if (has_upper(rem, tagsep ? (size_t)(tagsep - rem) : strlen(rem)))
                return error_set(err, EINVAL,
                                 "invalid reference format: repository name must be lowercase");
        return img_reference_parse(full, ret, err);
}

int img_reference_tag_name_only(ImgReference *ref)
{
        if (ref->tag || ref->digest)
                return 0;
        ref->tag = strdup(IMG_DEFAULT_TAG);
        return ref->tag ? 0 : -ENOMEM;
}

int img_reference_parse_docker(const char *s, ImgReference **ret, BerthError **err)
{
        _cleanup_(img_reference_freep) ImgReference *ref = NULL;
        int r = img_reference_parse_normalized(s, &ref, err);
        if (r < 0)
                return r;
        if (ref->digest && ref->tag) {
                free(ref->tag);
                ref->tag = NULL;
        }
        if (img_reference_tag_name_only(ref) < 0)
                return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(ref);
        return 0;
}

static char *format(const char *domain, const char *path, const ImgReference *ref, bool with_suffix)
{
        char *s = NULL;
        if (asprintf(&s, "%s%s%s%s%s%s%s", domain, *domain ? "/" : "", path,
                     with_suffix && ref->tag ? ":" : "", with_suffix && ref->tag ? ref->tag : "",
                     with_suffix && ref->digest ? "@" : "",
                     with_suffix && ref->digest ? ref->digest : "") < 0)
                return NULL;
        return s;
}

char *img_reference_name(const ImgReference *ref)
{
        return format(ref->domain, ref->path, ref, false);
}

char *img_reference_string(const ImgReference *ref)
{
        return format(ref->domain, ref->path, ref, true);
}

static char *familiar(const ImgReference *ref, bool with_suffix)
{
        const char *domain = ref->domain;
        const char *path = ref->path;
        if (STREQ(domain, IMG_DEFAULT_DOMAIN)) {
                domain = "";
                if (strncmp(path, OFFICIAL_REPO_PREFIX, strlen(OFFICIAL_REPO_PREFIX)) == 0 &&
                    !strchr(path + strlen(OFFICIAL_REPO_PREFIX), '/'))
                        path += strlen(OFFICIAL_REPO_PREFIX);
        }
        return format(domain, path, ref, with_suffix);
}

char *img_reference_familiar_name(const ImgReference *ref)
{
        return familiar(ref, false);
}

char *img_reference_familiar_string(const ImgReference *ref)
{
        return familiar(ref, true);
}

ImgReference *img_reference_free(ImgReference *ref)
{
        if (ref) {
                free(ref->domain);
                free(ref->path);
                free(ref->tag);
                free(ref->digest);
                free(ref);
        }
        return NULL;
}
