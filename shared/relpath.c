/*
 * relpath.c - the relative-path rule of request file names (see relpath.h); shared by the
 * master's validation and the helper's own check before it creates or reads a file.
 */
#include <string.h>

#include "relpath.h"

static int bad(const char **why, const char *s)
{
	if (why)
		*why = s;
	return -1;
}

int relpath_check(const char *p, size_t n, const char **why)
{
	if (n == 0)
		return bad(why, "is empty");
	if (n > RELPATH_MAX_BYTES)
		return bad(why, "is longer than 255 bytes");
	if (p[0] == '/')
		return bad(why, "is an absolute path (it must be relative to the work dir)");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] == 0x7f)
			return bad(why, "contains a control character");
	int depth = 0;
	for (size_t i = 0; i <= n;) {
		const char *slash = memchr(p + i, '/', n - i);
		size_t len = (slash ? (size_t)(slash - p) : n) - i;
		if (len == 0)
			return bad(why, "has an empty component (\"//\" or a trailing \"/\")");
		if (len == 1 && p[i] == '.')
			return bad(why, "has a \".\" component");
		if (len == 2 && p[i] == '.' && p[i + 1] == '.')
			return bad(why, "has a \"..\" component");
		if (++depth > RELPATH_MAX_DEPTH)
			return bad(why, "has more than 4 levels");
		i += len + 1;
		if (!slash)
			break;
	}
	return 0;
}
