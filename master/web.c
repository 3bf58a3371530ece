/*
 * web.c - serves the embedded page (index.html, app.js, app.css): Content-Type, strong ETags with
 * 304 on If-None-Match, Cache-Control (assets linked with their hash are immutable), and the
 * pre-gzipped copy when the client accepts gzip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "web.h"

static const struct web_asset *find(const char *url)
{
	if (!strcmp(url, "/index.html"))
		url = "/";
	for (size_t i = 0; i < web_nassets; i++)
		if (!strcmp(web_assets[i].path, url))
			return &web_assets[i];
	return NULL;
}

/* The q value of one Accept-Encoding entry's parameters (";q=0.5"); 1 when absent. */
static double qvalue(const char *p, const char *end)
{
	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
		while (p < end && *p != ';')
			p++;
	}
	return 1.0;
}

int web_accepts_gzip(const char *ae)
{
	if (!ae)
		return 0;
	const char *p = ae;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *name = p;
		while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - name);
		const char *end = p;
		while (*end && *end != ',')
			end++;
		int hit = (n == 4 && !strncasecmp(name, "gzip", 4)) || (n == 1 && *name == '*');
		if (hit && qvalue(p, end) > 0.0)
			return 1;
		p = end;
	}
	return 0;
}

int web_etag_matches(const char *inm, const char *hash)
{
	if (!inm)
		return 0;
	size_t h = strlen(hash);
	for (const char *p = inm; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (*p == '"' && !strncmp(p + 1, hash, h) &&
		    (p[1 + h] == '"' || !strncmp(p + 1 + h, ".gz\"", 4)))
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body, size_t n,
			     const struct web_asset *a, int gz, const char *cache)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	char etag[64];
	snprintf(etag, sizeof(etag), "\"%s%s\"", a->hash, gz ? ".gz" : "");
	if (status != MHD_HTTP_NOT_MODIFIED)
		MHD_add_response_header(r, "Content-Type", a->type);
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", cache);
	MHD_add_response_header(r, "Vary", "Accept-Encoding");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (gz && status != MHD_HTTP_NOT_MODIFIED)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	if (!strcmp(a->path, "/")) {
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'self'; style-src 'self' 'unsafe-inline'; "
					"img-src 'self' data:");
		MHD_add_response_header(r, "X-Frame-Options", "DENY");
	}
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

int web_serve(struct MHD_Connection *c, const char *url, const char *method, enum MHD_Result *ret)
{
	const struct web_asset *a = find(url);
	if (!a || !strcmp(method, "OPTIONS")) /* preflights: the router's CORS answer */
		return 0;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char msg[] = "{\"error\":\"use GET for the page\"}";
		struct MHD_Response *r =
			MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
							MHD_RESPMEM_PERSISTENT);
		*ret = MHD_NO;
		if (!r)
			return 1;
		MHD_add_response_header(r, "Content-Type", "application/json");
		MHD_add_response_header(r, "Allow", "GET, HEAD");
		*ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return 1;
	}
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "v");
	const char *cache =
		v && !strcmp(v, a->hash) ? "public, max-age=31536000, immutable" : "no-cache";
	int gz = web_accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							      "Accept-Encoding"));
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	if (web_etag_matches(inm, a->hash))
		*ret = reply(c, MHD_HTTP_NOT_MODIFIED, "", 0, a, gz, cache);
	else if (gz)
		*ret = reply(c, MHD_HTTP_OK, a->gz, a->gzlen, a, 1, cache);
	else
		*ret = reply(c, MHD_HTTP_OK, a->data, a->len, a, 0, cache);
	log_debug("web: %s %s%s", method, url, gz ? " (gzip)" : "");
	return 1;
}
