/*
 * log.c - leveled, timestamped log lines on stderr, as text or as JSON objects, one write(2)
 * per line so that lines of several processes sharing stderr never interleave.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level cur_level = LOG_INFO;
static int cur_json;
static char cur_proc[32] = "executioner";

static const char *const names[] = { "debug", "info", "warn", "error" };

void log_init(enum log_level level, int json, const char *proc)
{
	cur_level = level;
	cur_json = json;
	if (proc)
		log_set_proc(proc);
}

void log_set_proc(const char *proc)
{
	snprintf(cur_proc, sizeof(cur_proc), "%s", proc);
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int log_enabled(enum log_level level)
{
	return level >= cur_level;
}

static size_t json_escape(char *out, size_t cap, const char *s)
{
	size_t o = 0;
	for (; *s && o + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char msg[2048], line[4608], ts[40];
	struct timespec now;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);

	int len;
	if (cur_json) {
		char esc[4200];
		json_escape(esc, sizeof(esc), msg);
		len = snprintf(line, sizeof(line),
			       "{\"time\":\"%s\",\"level\":\"%s\",\"proc\":\"%s\",\"pid\":%d,"
			       "\"msg\":\"%s\"}\n",
			       ts, names[level], cur_proc, (int)getpid(), esc);
	} else {
		len = snprintf(line, sizeof(line), "%s %-5s %s[%d]: %s\n", ts, names[level],
			       cur_proc, (int)getpid(), msg);
	}
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	ssize_t w = write(STDERR_FILENO, line, (size_t)len);
	(void)w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < cur_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* Formats the caller's message and appends ": strerror(errno)", errno taken on entry. */
static void log_vmsg_errno(enum log_level level, int err, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_msg(level, "%s: %s", msg, strerror(err));
}

void log_errno(enum log_level level, const char *fmt, ...)
{
	int err = errno;
	if (level < cur_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vmsg_errno(level, err, fmt, ap);
	va_end(ap);
	errno = err;
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	log_vmsg_errno(LOG_ERROR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
