/*
 * web.h - the browser page at / (master/web/), built by esbuild and embedded into the binary as
 * build/gen/web_assets.c (master/web/embed.py); web_serve() answers its paths.
 */
#ifndef EXECUTIONER_WEB_H
#define EXECUTIONER_WEB_H

#include <stddef.h>
#include <microhttpd.h>

struct web_asset {
	const char *path;      /* URL path: "/", "/app.js", ... */
	const char *type;      /* Content-Type */
	const char *data;      /* the bytes */
	size_t len;
	const char *gz;        /* gzip -9 of them */
	size_t gzlen;
	const char *hash;      /* hex content hash: the ETag and the "?v=" of index.html's links */
};

extern const struct web_asset web_assets[];
extern const size_t web_nassets;

/* Answers GET and HEAD of the page's paths (405 for other methods) and returns 1 with *ret set;
 * returns 0, touching nothing, when url is not one of them (or for OPTIONS, left to the router). */
int web_serve(struct MHD_Connection *c, const char *url, const char *method, enum MHD_Result *ret);

/* 1 when an Accept-Encoding value allows gzip (a "gzip" or "*" entry without q=0). */
int web_accepts_gzip(const char *accept_encoding);

/* 1 when an If-None-Match value matches the entity tag hash ("*", or a listed "hash" or
 * "hash.gz", weak or not). */
int web_etag_matches(const char *if_none_match, const char *hash);

#endif
