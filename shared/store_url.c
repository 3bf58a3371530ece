/*
 * store_url.c - the store's connection URL, apart from the back-ends (config.c uses it without
 * linking libpq): is it PostgreSQL's, and the URL as it may be logged, without its password.
 */
#include <string.h>

#include "store.h"

int store_is_pg_url(const char *url)
{
	return url && (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11));
}

/* Appends "***" for the secret at in[*i...] ending at one of stop (or the end). */
static void skip_secret(const char *in, size_t *i, const char *stop, char *out, size_t *o,
			size_t n)
{
	while (in[*i] && !strchr(stop, in[*i]))
		(*i)++;
	for (const char *p = "***"; *p && *o + 1 < n; p++)
		out[(*o)++] = *p;
}

void store_url_redact(const char *url, char *out, size_t n)
{
	if (!n)
		return;
	size_t o = 0, i = 0;
	const char *scheme = url ? strstr(url, "://") : NULL;
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
	if (at && slash && slash < at)
		at = NULL; /* an @ in the path or query is no user info */
	const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	while (url && url[i] && o + 1 < n) {
		if (colon && url + i == colon + 1) {
			skip_secret(url, &i, "@", out, &o, n);
			continue;
		}
		if (!strncmp(url + i, "password=", 9) && i > 0 && strchr("?& ", url[i - 1])) {
			for (int k = 0; k < 9 && o + 1 < n; k++)
				out[o++] = url[i++];
			skip_secret(url, &i, "& ", out, &o, n);
			continue;
		}
		out[o++] = url[i++];
	}
	out[o] = '\0';
}
