/*
 * log.h - leveled, timestamped logging to stderr (text or JSON lines), shared by every process.
 * One convention project-wide: a failing function logs what failed and returns -1 or NULL.
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
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Logs at error level and exits with status 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
