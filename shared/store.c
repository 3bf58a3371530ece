/*
 * store.c - what every store back-end shares: status names, token syntax, the choice of the
 * back-end for a configured location (store_url.c: the URL itself), and freeing a row.
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

const struct store_ops *store_backend(const char *url)
{
	return store_is_pg_url(url) ? &store_pg_ops : &store_sqlite_ops;
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
