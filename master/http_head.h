/*
 * http_head.h - refusals decided on a request's head alone (http.c answers them 400 and closes):
 * ambiguous body framing (request smuggling) and a missing or repeated Host; the client's
 * address; and the unescaping of the path (MHD_OPTION_UNESCAPE_CALLBACK).
 */
#ifndef EXECUTIONER_HTTP_HEAD_H
#define EXECUTIONER_HTTP_HEAD_H

#include <microhttpd.h>

/* The client's IP address as text ("?" when unknown). */
void http_client_ip(struct MHD_Connection *c, char *out, size_t n);
/* 1 with *msg and *field (the header) set when the head must be refused, else 0. */
int http_head_refusal(struct MHD_Connection *c, const char *version, const char **msg,
		      const char **field);

/* MHD's unescaping, except that a path holding "%00" is left as sent (http.c refuses it). */
size_t http_unescape_url(void *cls, struct MHD_Connection *c, char *s);

#endif
