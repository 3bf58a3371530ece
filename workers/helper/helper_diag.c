/*
 * helper_diag.c - the helper's diagnostics on fd 2, which the worker logs at debug level: the
 * helper's small counterpart of log.h (it links no library, so not log.c). See helper.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

static void diag_line(const char *fmt, va_list ap, int err)
{
	char line[384];
	int n = snprintf(line, sizeof(line), "executioner-helper: ");
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = strlen(line);
	if (err >= 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len, ": %s", strerror(err));
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(2, line, len);
	(void)w; /* nowhere left to report a failed diagnostic */
}

void helper_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	diag_line(fmt, ap, err);
	va_end(ap);
	errno = err;
}

void helper_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_line(fmt, ap, -1);
	va_end(ap);
}
