/*
 * relpath.h - the rule for file names a request may give (files[].name, output_files[]): a
 * relative path inside the work dir. libc only: the in-container helper checks names again.
 */
#ifndef EXECUTIONER_RELPATH_H
#define EXECUTIONER_RELPATH_H

#include <stddef.h>

#define RELPATH_MAX_BYTES 255 /* the whole name */
#define RELPATH_MAX_DEPTH 4   /* components, e.g. a/b/c/d.txt */

/* 0 when p[0..n) is 1..255 bytes, not absolute, at most 4 components, none empty ("a//b", a
 * trailing '/'), "." or "..", and holds no NUL or other control byte (0x01-0x1f, 0x7f). Otherwise
 * -1 with *why (if non-NULL) a static sentence ending the message "<field> ...". */
int relpath_check(const char *p, size_t n, const char **why);

#endif
