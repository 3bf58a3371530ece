/*
 * http_head.c - refusals decided on a request's head alone (see http_head.h): Content-Length
 * headers that differ, Content-Length with Transfer-Encoding (a proxy in front may read the
 * body otherwise: request smuggling, RFC 9112 6.1, 6.3), and Host missing from HTTP/1.1 or
 * given twice (RFC 9112 3.2); the client's address as the access log shows it; and the
 * unescaping of paths that keeps "%00" as sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_head.h"

struct head_count {
	int cl, cl_differ, te, host;
	const char *cl_first;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct head_count *h = cls;
	(void)kind;
	value = value ? value : "";
	if (!strcasecmp(key, "Content-Length")) {
		if (!h->cl++)
			h->cl_first = value;
		else if (strcmp(value, h->cl_first))
			h->cl_differ = 1;
	}
	h->te += !strcasecmp(key, "Transfer-Encoding");
	h->host += !strcasecmp(key, "Host");
	return MHD_YES;
}

int http_head_refusal(struct MHD_Connection *c, const char *version, const char **msg,
		      const char **field)
{
	struct head_count h = { 0 };
	*msg = *field = NULL;
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &h);
	if (h.cl_differ) {
		*msg = "the request has Content-Length headers with different values";
		*field = "Content-Length";
	} else if (h.cl && h.te) {
		*msg = "the request has both Content-Length and Transfer-Encoding";
		*field = "Transfer-Encoding";
	} else if (h.host > 1 || (!h.host && (!version || strcmp(version, MHD_HTTP_VERSION_1_0)))) {
		*msg = h.host ? "the request has more than one Host header"
			      : "a Host header is required (HTTP/1.1)";
		*field = "Host";
	}
	return *msg != NULL;
}

void http_client_ip(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, n, "?");
	if (!i || !i->client_addr)
		return;
	const struct sockaddr *sa = i->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)n);
}

/* MHD's own unescaping, except that a path (or argument) holding "%00" is left as sent: decoded,
 * the NUL would cut it short ("/execute%00.png" would route as "/execute"); route() refuses such a
 * path. "%00" is the only way percent-decoding yields a NUL, so looking for it first is exact. */
size_t http_unescape_url(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	if (strstr(s, "%00"))
		return strlen(s);
	return MHD_http_unescape(s);
}
