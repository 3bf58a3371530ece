/*
 * b64.c - base64 decoding and encoding (RFC 4648) and a strict UTF-8 check (see b64.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "b64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long b64_decode(const char *s, size_t n, unsigned char *out)
{
	uint32_t acc = 0;
	int have = 0, pad = 0;
	long len = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = value(c);
		if (v < 0 || pad)
			return -1; /* a foreign byte, or data after padding */
		acc = acc << 6 | (uint32_t)v;
		if (++have == 4) {
			if (out) {
				out[len] = (unsigned char)(acc >> 16);
				out[len + 1] = (unsigned char)(acc >> 8);
				out[len + 2] = (unsigned char)acc;
			}
			len += 3;
			have = 0;
			acc = 0;
		}
	}
	/* a final group of 2 or 3 characters, padded to 4 or not; 1 character is never valid */
	if (have == 1 || (pad && have + pad != 4) || (!have && pad))
		return -1;
	if (have == 2 && (acc & 0xf) == 0) {
		if (out)
			out[len] = (unsigned char)(acc >> 4);
		return len + 1;
	}
	if (have == 3 && (acc & 0x3) == 0) {
		if (out) {
			out[len] = (unsigned char)(acc >> 10);
			out[len + 1] = (unsigned char)(acc >> 2);
		}
		return len + 2;
	}
	return have ? -1 : len; /* nonzero bits left over: not a canonical encoding */
}

char *b64_encode(const void *p, size_t n)
{
	const unsigned char *b = p;
	char *s = malloc((n + 2) / 3 * 4 + 1), *o = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)b[i + 1] << 8;
		if (i + 2 < n)
			v |= b[i + 2];
		*o++ = alphabet[v >> 18 & 63];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? alphabet[v & 63] : '=';
	}
	*o = '\0';
	return s;
}

int utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		/* overlong, surrogate or beyond U+10FFFF */
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}
