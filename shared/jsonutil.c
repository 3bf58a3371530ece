/*
 * jsonutil.c - JSON helpers (see jsonutil.h); the UTF-8 check follows RFC 3629 (no overlongs,
 * no surrogates, nothing above U+10FFFF).
 */
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

char *utf8_sanitize(const char *p, size_t n, size_t *outlen)
{
	/* worst case: every byte becomes 3 bytes of U+FFFD */
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(u + i, n - i);
		if (l == 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, u + i, l);
			o += l;
			i += l;
		}
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

cJSON *json_bytes(const char *p, size_t n)
{
	char *s = utf8_sanitize(p ? p : "", p ? n : 0, NULL);
	if (!s)
		return NULL;
	cJSON *j = cJSON_CreateString(s);
	free(s);
	return j;
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
