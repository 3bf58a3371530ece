/*
 * store.c - what every store back-end shares: status names, token syntax, the choice of the
 * back-end for a configured location, and freeing a row.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const char *const names[ST_NSTATUS] = { "queued", "running", "done", "failed" };

const char *store_status_name(enum store_status st)
{
	return st >= 0 && st < ST_NSTATUS ? names[st] : "unknown";
}

int store_status_parse(const char *s)
{
	for (int i = 0; s && i < ST_NSTATUS; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int store_is_pg_url(const char *url)
{
	return url && (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11));
}

const struct store_ops *store_backend(const char *url)
{
	return store_is_pg_url(url) ? &store_pg_ops : &store_sqlite_ops;
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

void store_row_clear(struct store_row *r)
{
	free(r->request);
	free(r->result);
	r->request = r->result = NULL;
}

int store_token_valid(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return s && n == STORE_TOKEN_LEN;
}
