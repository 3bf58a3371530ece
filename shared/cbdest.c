/*
 * cbdest.c - callback destinations (see cbdest.h): URLs parsed by libcurl's URL API (no parser
 * of ours), allow-list entries as CIDRs (inet_pton plus a prefix) or host names, and the check
 * of every address a name resolves to, which the delivery then pins.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "cbdest.h"

/* An entry as an address range: 0, or -1 when it is not one (a host name, or invalid). */
static int parse_cidr(const char *entry, int *family, unsigned char addr[16], int *prefix)
{
	char ip[64];
	const char *slash = strchr(entry, '/');
	size_t n = slash ? (size_t)(slash - entry) : strlen(entry);
	if (n == 0 || n >= sizeof(ip))
		return -1;
	memcpy(ip, entry, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, addr) == 1)
		*family = AF_INET, *prefix = 32;
	else if (inet_pton(AF_INET6, ip, addr) == 1)
		*family = AF_INET6, *prefix = 128;
	else
		return -1;
	if (!slash)
		return 0;
	char *end;
	long p = strtol(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end || p < 0 || p > *prefix)
		return -1;
	*prefix = (int)p;
	return 0;
}

static int name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

int cbdest_entry_valid(const char *entry)
{
	int fam, prefix;
	unsigned char a[16];
	if (parse_cidr(entry, &fam, a, &prefix) == 0)
		return 1;
	return !strchr(entry, '/') && !strchr(entry, ':') && name_valid(entry);
}

static int prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)whole))
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int cbdest_addr_allowed(int family, const void *addr, char *const *allow)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const unsigned char *p = addr;
	if (family == AF_INET6 && !memcmp(p, mapped, sizeof(mapped))) {
		family = AF_INET;
		p += 12;
	}
	for (int i = 0; allow && allow[i]; i++) {
		int fam, prefix;
		unsigned char a[16];
		if (parse_cidr(allow[i], &fam, a, &prefix) == 0 && fam == family &&
		    prefix_match(p, a, prefix))
			return 1;
	}
	return 0;
}

static int name_listed(const char *host, char *const *allow)
{
	size_t n = strlen(host);
	if (n && host[n - 1] == '.')
		n--; /* "localhost." is "localhost" */
	for (int i = 0; allow && allow[i]; i++)
		if (strlen(allow[i]) == n && !strncasecmp(allow[i], host, n) &&
		    !strchr(allow[i], '/') && cbdest_entry_valid(allow[i]))
			return 1;
	return 0;
}

/* why gets the sentence; -1 */
static int __attribute__((format(printf, 3, 4))) refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}
#define WHY(...) refuse(why, n, __VA_ARGS__)

/* Scheme, credentials, host and port of url into d: 0, or -1 with why. */
static int parse_url(const char *url, struct cbdest *d, char *why, size_t n)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *user = NULL, *pass = NULL, *host = NULL, *port = NULL;
	int rc = -1;
	if (!h)
		return WHY("callback_url could not be checked (out of memory)");
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		refuse(why, n, "callback_url is not a valid absolute URL");
		goto out;
	}
	curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
	if (!scheme || (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
		refuse(why, n, "callback_url must be an http:// or https:// URL");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(h, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		refuse(why, n, "callback_url must not carry credentials (user:password@)");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0] ||
	    curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		refuse(why, n, "callback_url has no host");
		goto out;
	}
	size_t hl = strlen(host);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') /* an IPv6 literal */
		snprintf(d->host, sizeof(d->host), "%.*s", (int)(hl - 2), host + 1);
	else
		snprintf(d->host, sizeof(d->host), "%s", host);
	d->port = atoi(port);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(pass);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(h);
	return rc;
}

int cbdest_parse(const char *url, char *const *allow, struct cbdest *d, char *why, size_t n)
{
	memset(d, 0, sizeof(*d));
	if (strlen(url) > CBDEST_URL_MAX)
		return WHY("callback_url is longer than %d characters", CBDEST_URL_MAX);
	if (parse_url(url, d, why, n) < 0)
		return -1;
	unsigned char a[16];
	int fam = inet_pton(AF_INET, d->host, a) == 1	 ? AF_INET
		  : inet_pton(AF_INET6, d->host, a) == 1 ? AF_INET6
							 : 0;
	if (fam) {
		d->literal = 1;
		if (!cbdest_addr_allowed(fam, a, allow))
			return WHY("callback_url: %s is not in callbacks.allow", d->host);
		d->listed = 1;
		return 0;
	}
	if (!name_valid(d->host))
		return WHY("callback_url has an invalid host name");
	d->listed = name_listed(d->host, allow);
	return d->listed ? 0 : 1;
}

static int addr_of(const struct addrinfo *ai, int *fam, const void **a)
{
	*fam = ai->ai_family;
	if (ai->ai_family == AF_INET)
		*a = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
	else if (ai->ai_family == AF_INET6)
		*a = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
	else
		return -1;
	return 0;
}

int cbdest_resolve(const struct cbdest *d, char *const *allow, char *pin, size_t pinlen,
		   char *why, size_t n)
{
	pin[0] = '\0';
	if (d->literal)
		return 0; /* checked by cbdest_parse; nothing to resolve */
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	int rc = getaddrinfo(d->host, NULL, &hints, &res);
	if (rc != 0)
		return WHY("callback_url: %s does not resolve (%s)", d->host, gai_strerror(rc));
	char first[INET6_ADDRSTRLEN] = "";
	int bad = 0, firstfam = 0;
	for (const struct addrinfo *ai = res; ai && !bad; ai = ai->ai_next) {
		int fam;
		const void *a;
		char txt[INET6_ADDRSTRLEN];
		if (addr_of(ai, &fam, &a) < 0 || !inet_ntop(fam, a, txt, sizeof(txt)))
			continue;
		if (!d->listed && !cbdest_addr_allowed(fam, a, allow)) {
			snprintf(why, n, "callback_url: %s resolves to %s, which is not in "
				 "callbacks.allow", d->host, txt);
			bad = 1;
		} else if (!first[0]) {
			snprintf(first, sizeof(first), "%s", txt);
			firstfam = fam;
		}
	}
	freeaddrinfo(res);
	if (bad)
		return -1;
	if (!first[0])
		return WHY("callback_url: %s has no usable address", d->host);
	snprintf(pin, pinlen, firstfam == AF_INET6 ? "%s:%d:[%s]" : "%s:%d:%s", d->host, d->port,
		 first);
	return 0;
}
