/*
 * cbdest.h - where a callback may go: the URL checks (http or https, absolute, no credentials)
 * and the allow list (callbacks.allow: CIDRs, addresses and host names), shared by the check at
 * submit time in the master and the delivery in the callbacks process, which resolves and pins.
 */
#ifndef EXECUTIONER_CBDEST_H
#define EXECUTIONER_CBDEST_H

#include <stddef.h>

#define CBDEST_URL_MAX 2048

/* A callback URL as parsed. */
struct cbdest {
	char host[256];              /* without the brackets of an IPv6 literal */
	int port;
	int literal;                 /* host is an IP address (no name to resolve) */
	int listed;                  /* host is an allowed address or a listed name */
};

/* 1 when entry is a valid callbacks.allow entry (a CIDR, an address, a host name). */
int cbdest_entry_valid(const char *entry);
/* 1 when the address (family AF_INET or AF_INET6, addr an in_addr or in6_addr) is inside a
 * CIDR or address of allow (NULL-terminated); IPv4-mapped IPv6 addresses count as IPv4. */
int cbdest_addr_allowed(int family, const void *addr, char *const *allow);
/* Parses url into d and checks what needs no DNS: 0 allowed as it is (an allowed address or a
 * listed name), 1 allowed if every address its name resolves to is (cbdest_resolve), -1 refused
 * with why (a sentence naming callback_url). Pure: no network. */
int cbdest_parse(const char *url, char *const *allow, struct cbdest *d, char *why, size_t n);
/* Resolves d's host (BLOCKS: only the callbacks process calls it) and checks every address
 * unless the name is listed; pin gets "host:port:address" for CURLOPT_RESOLVE (the address
 * checked). 0, or -1 with why. */
int cbdest_resolve(const struct cbdest *d, char *const *allow, char *pin, size_t pinlen,
		   char *why, size_t n);

#endif
