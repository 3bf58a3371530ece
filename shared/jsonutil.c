/*
 * jsonutil.c - JSON helpers (see jsonutil.h); the UTF-8 check follows RFC 3629 (no overlongs,
 * no surrogates, nothing above U+10FFFF).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c >= 0x01 && c < 0x80)
		return 1;
	size_t len;
	unsigned int min, cp;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2; min = 0x80; cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3; min = 0x800; cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4; min = 0x10000; cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* Bytes cJSON prints for the UTF-8 sequence at p of length l (inside a string). */
static size_t rendered_len(const unsigned char *p, size_t l)
{
	if (l > 1)
		return l;
	if (*p == '"' || *p == '\\' || *p == '\b' || *p == '\f' || *p == '\n' || *p == '\r' ||
	    *p == '\t')
		return 2;
	return *p < 0x20 ? 6 : 1; /* \u00XX */
}

char *utf8_sanitize_capped(const char *p, size_t n, size_t max_rendered, size_t *outlen,
			   int *clipped)
{
	/* worst case: every byte becomes 3 bytes of U+FFFD */
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0, rendered = 2; /* the quotes */
	const unsigned char *u = (const unsigned char *)p;
	if (clipped)
		*clipped = 0;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(u + i, n - i);
		const unsigned char *src = l ? u + i : (const unsigned char *)"\xEF\xBF\xBD";
		size_t sl = l ? l : 3, rl = rendered_len(src, sl);
		if (rendered + rl > max_rendered) {
			if (clipped)
				*clipped = 1;
			break;
		}
		memcpy(out + o, src, sl);
		o += sl;
		rendered += rl;
		i += l ? l : 1;
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

char *utf8_sanitize(const char *p, size_t n, size_t *outlen)
{
	return utf8_sanitize_capped(p, n, SIZE_MAX, outlen, NULL);
}

cJSON *json_bytes_capped(const char *p, size_t n, size_t max_rendered, int *clipped)
{
	char *s = utf8_sanitize_capped(p ? p : "", p ? n : 0, max_rendered, NULL, clipped);
	if (!s)
		return NULL;
	cJSON *j = cJSON_CreateString(s);
	free(s);
	return j;
}

cJSON *json_bytes(const char *p, size_t n)
{
	return json_bytes_capped(p, n, SIZE_MAX, NULL);
}

cJSON *json_member(const cJSON *obj, const char *const *names, const char **which)
{
	for (; *names; names++) {
		cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, *names);
		if (m) {
			if (which)
				*which = *names;
			return m;
		}
	}
	if (which)
		*which = NULL;
	return NULL;
}

double json_num(const cJSON *o, const char *k, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

const char *json_str(const cJSON *o, const char *k, const char *def)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? s : def;
}

char *json_error(const char *msg, const char *field)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "error", msg);
	if (field && *field)
		cJSON_AddStringToObject(o, "field", field);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
