/*
 * judge.c - statuses, verdicts and output comparison (see judge.h). The order of precedence is
 * that of online judges: a memory kill beats a timeout (the kernel's OOM kill is definitive),
 * limits beat a bad exit, and output is only compared for a run that ended normally.
 */
#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "wire.h"

static int over_memory(const struct step *s, uint64_t mem_kb)
{
	return (s->flags & (SF_OOM | SF_MEM_OVER)) || (mem_kb && s->maxrss_kb > mem_kb);
}

static int over_time(const struct step *s, uint64_t cpu_ms)
{
	return (s->flags & (SF_WALL_TIMEOUT | SF_CPU_TIMEOUT)) ||
	       (cpu_ms && s->cpu_us > cpu_ms * 1000);
}

const char *judge_status_name(enum judge_status st)
{
	static const char *const names[] = {
		[STATUS_OK] = "ok", [STATUS_RUNTIME_ERROR] = "runtime_error",
		[STATUS_TIMEOUT] = "timeout", [STATUS_MEMORY_EXCEEDED] = "memory_exceeded",
		[STATUS_OUTPUT_LIMIT] = "output_limit_exceeded",
		[STATUS_INTERNAL_ERROR] = "internal_error",
		[STATUS_COMPILE_ERROR] = "compile_error",
		[STATUS_CANCELLED] = "cancelled",
	};
	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "internal_error";
}

const char *judge_verdict_name(enum judge_verdict v)
{
	static const char *const names[] = {
		[VERDICT_SKIPPED] = "skipped", [VERDICT_ACCEPTED] = "accepted",
		[VERDICT_WRONG_ANSWER] = "wrong_answer",
		[VERDICT_TIME_LIMIT] = "time_limit_exceeded",
		[VERDICT_MEMORY_LIMIT] = "memory_limit_exceeded",
		[VERDICT_RUNTIME_ERROR] = "runtime_error",
		[VERDICT_OUTPUT_LIMIT] = "output_limit_exceeded",
		[VERDICT_INTERNAL_ERROR] = "internal_error",
		[VERDICT_COMPILE_ERROR] = "compile_error",
		[VERDICT_PRESENTATION_ERROR] = "presentation_error",
		[VERDICT_JUDGE_ERROR] = "judge_error", [VERDICT_PARTIAL] = "partial",
	};
	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "internal_error";
}

enum judge_status judge_status(const struct step *s, uint64_t cpu_ms, uint64_t mem_kb)
{
	if (s->flags & SF_SPAWN_FAILED)
		return STATUS_INTERNAL_ERROR;
	if (over_memory(s, mem_kb))
		return STATUS_MEMORY_EXCEEDED;
	if (over_time(s, cpu_ms))
		return STATUS_TIMEOUT;
	if (s->flags & (SF_STDOUT_CAP | SF_STDERR_CAP))
		return STATUS_OUTPUT_LIMIT;
	if (s->signal || s->exit_code != 0)
		return STATUS_RUNTIME_ERROR;
	return STATUS_OK;
}

enum judge_verdict judge_verdict(const struct step *s, uint64_t cpu_ms, uint64_t mem_kb,
				 int matches)
{
	switch (judge_status(s, cpu_ms, mem_kb)) {
	case STATUS_OK: return matches ? VERDICT_ACCEPTED : VERDICT_WRONG_ANSWER;
	case STATUS_MEMORY_EXCEEDED: return VERDICT_MEMORY_LIMIT;
	case STATUS_TIMEOUT: return VERDICT_TIME_LIMIT;
	case STATUS_OUTPUT_LIMIT: return VERDICT_OUTPUT_LIMIT;
	case STATUS_RUNTIME_ERROR: return VERDICT_RUNTIME_ERROR;
	default: return VERDICT_INTERNAL_ERROR;
	}
}

/* Next line of [*p, end): sets [*ls, *le) without trailing blanks; returns 0 at the end. */
static int next_line(const char **p, const char *end, const char **ls, const char **le)
{
	if (*p >= end)
		return 0;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl ? nl : end;
	*ls = *p;
	*le = e;
	while (*le > *ls && ((*le)[-1] == ' ' || (*le)[-1] == '\t' || (*le)[-1] == '\r'))
		(*le)--;
	*p = nl ? nl + 1 : end;
	return 1;
}

/* End of the text once trailing blank lines (and blanks) are dropped. */
static const char *trim_end(const char *s, const char *end)
{
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	return end;
}

static int compare_lines(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae = trim_end(a, a + alen), *be = trim_end(b, b + blen);
	const char *as, *al, *bs, *bl;
	for (;;) {
		int ha = next_line(&a, ae, &as, &al), hb = next_line(&b, be, &bs, &bl);
		if (!ha || !hb)
			return ha == hb;
		if (al - as != bl - bs || memcmp(as, bs, (size_t)(al - as)))
			return 0;
	}
}

/* Next whitespace-separated token; returns its length, 0 at the end. */
static size_t next_token(const char **p, const char *end, const char **tok)
{
	while (*p < end && isspace((unsigned char)**p))
		(*p)++;
	*tok = *p;
	while (*p < end && !isspace((unsigned char)**p))
		(*p)++;
	return (size_t)(*p - *tok);
}

static int parse_num(const char *t, size_t n, double *v)
{
	char tmp[128];
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, t, n);
	tmp[n] = '\0';
	char *e;
	*v = strtod(tmp, &e);
	return *e == '\0' && !isnan(*v);
}

static int tokens_equal(const char *x, size_t xn, const char *y, size_t yn, int fl, double tol)
{
	if (xn == yn && !memcmp(x, y, xn))
		return 1;
	double a, b;
	if (!fl || !parse_num(x, xn, &a) || !parse_num(y, yn, &b))
		return 0;
	if (isinf(a) || isinf(b))
		return a == b;
	double d = fabs(a - b);
	return d <= tol || d <= tol * fabs(b);
}

static int compare_tokens(const char *a, size_t alen, const char *b, size_t blen, int fl,
			  double tol)
{
	const char *ae = a + alen, *be = b + blen, *x, *y;
	for (;;) {
		size_t xn = next_token(&a, ae, &x), yn = next_token(&b, be, &y);
		if (!xn || !yn)
			return xn == yn;
		if (!tokens_equal(x, xn, y, yn, fl, tol))
			return 0;
	}
}

int judge_compare(const char *mode, double tol, const char *got, size_t glen, const char *exp,
		  size_t elen)
{
	if (!mode || !strcmp(mode, "lines"))
		return compare_lines(got, glen, exp, elen);
	if (!strcmp(mode, "exact"))
		return glen == elen && !memcmp(got, exp, glen);
	if (!strcmp(mode, "tokens"))
		return compare_tokens(got, glen, exp, elen, 0, 0);
	if (!strcmp(mode, "float"))
		return compare_tokens(got, glen, exp, elen, 1, tol);
	return 0;
}

const char *judge_signal_name(int sig)
{
	static const struct { int n; const char *s; } names[] = {
		{ SIGHUP, "SIGHUP" },   { SIGINT, "SIGINT" },   { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" },   { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" },   { SIGFPE, "SIGFPE" },   { SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
		{ SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" }, { SIGSYS, "SIGSYS" },
	};
	if (sig == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].n == sig)
			return names[i].s;
	return "SIGUNKNOWN";
}
