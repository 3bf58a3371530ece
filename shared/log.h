/*
 * log.h - leveled, timestamped logging to stderr (text or JSON lines), shared by every process.
 *
 * The error convention, project-wide: a function that can fail returns 0 (or a pointer) on
 * success and -1 (or NULL) on failure. The detail goes either to the log (by the callee, where
 * it is known) or, when the caller must report it to a client or an operator, into the typed
 * error struct of the module (struct docker_error, struct req_error, struct config_error).
 * Nothing else: no errno as the return value, no 1 for success, no exit() outside main.
 * As in OpenBSD's log.c: the plain names append ": strerror(errno)" to the message, the "x"
 * names do not (use them when errno does not describe the failure). fatal()/fatalx() exit(1).
 */
#ifndef EXECUTIONER_LOG_H
#define EXECUTIONER_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the level, format ("text" or "json") and the process tag printed on every line. */
void log_init(enum log_level level, int json, const char *proc);
void log_set_proc(const char *proc);
int log_level_parse(const char *s); /* "debug".."error" -> level, -1 if unknown */
int log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warnx(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_errorx(...) log_msg(LOG_ERROR, __VA_ARGS__)
/* Same, with ": strerror(errno)" appended (errno as it was when called). */
void log_errno(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_warn(...) log_errno(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_errno(LOG_ERROR, __VA_ARGS__)

/* Log at error level (with or without errno) and exit with status 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
