/*
 * piston_map.c - the pure rules of the Piston v2 layer (see piston_map.h): semver ranges as
 * node-semver reads them, Piston's language names and aliases, isolate's and Piston's statuses
 * and messages for our run outcomes, signal numbers, hex decoding. Unit-tested (test_piston.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "piston_map.h"

#define RANGE_MAX 256 /* a longer range is refused: it matches nothing */
#define TOKENS_MAX 32

int piston_semver_parse(const char *s, struct semver *v)
{
	long part[3] = { 0, 0, 0 };
	if (*s == 'v' || *s == 'V')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	for (int i = 0; i < 3 && isdigit((unsigned char)*s); i++) {
		char *end;
		part[i] = strtol(s, &end, 10);
		s = end;
		if (*s != '.' || !isdigit((unsigned char)s[1]))
			break;
		s++;
	}
	*v = (struct semver){ part[0], part[1], part[2] };
	return 0;
}

void piston_semver_text(const struct semver *v, char *out, size_t n)
{
	snprintf(out, n, "%ld.%ld.%ld", v->major, v->minor, v->patch);
}

int piston_semver_cmp(const struct semver *a, const struct semver *b)
{
	long d = a->major != b->major	? a->major - b->major
		 : a->minor != b->minor ? a->minor - b->minor
					: a->patch - b->patch;
	return d < 0 ? -1 : d > 0;
}

/* A partial version of a range: its first k parts are numbers, the rest wildcards or absent. */
struct partial {
	struct semver v; /* wildcards as 0 */
	int k;
};

static int is_wild(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

/* "3", "3.x", "3.11.2", "v3.11", "*": -1 when it is none of those. */
static int partial_parse(const char *s, struct partial *p)
{
	long part[3] = { 0, 0, 0 };
	int k = 0, wild = 0;
	if (*s == 'v' || *s == 'V' || *s == '=')
		s++;
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(s, ".");
		if (n == 0)
			return -1;
		if (is_wild(s, n)) {
			wild = 1;
		} else {
			for (size_t j = 0; j < n; j++)
				if (!isdigit((unsigned char)s[j]) || n > 9)
					return -1;
			if (wild) /* "x.1" */
				return -1;
			part[i] = strtol(s, NULL, 10);
			k++;
		}
		s += n;
		if (!*s)
			break;
		if (*s != '.' || i == 2)
			return -1;
		s++;
	}
	*p = (struct partial){ { part[0], part[1], part[2] }, k };
	return 0;
}

/* The version just above every one that p's first k parts fix ("3.11" -> 3.12.0). */
static struct semver above(const struct partial *p, int k)
{
	struct semver u = p->v;
	if (k <= 1)
		u = (struct semver){ u.major + 1, 0, 0 };
	else if (k == 2)
		u = (struct semver){ u.major, u.minor + 1, 0 };
	else
		u.patch++;
	return u;
}

static int ge(const struct semver *v, const struct semver *b)
{
	return piston_semver_cmp(v, b) >= 0;
}

static int lt(const struct semver *v, const struct semver *b)
{
	return piston_semver_cmp(v, b) < 0;
}

/* v within [p, the first version above p's fixed parts): "3.11" holds 3.11.0 to 3.11.x. */
static int within(const struct partial *p, int k, const struct semver *v)
{
	struct semver hi = above(p, k);
	return k == 0 || (ge(v, &p->v) && lt(v, &hi));
}

static int caret(const struct partial *p, const struct semver *v)
{
	int k = p->k; /* fixed up to the first non-zero part, or what was given */
	if (k >= 2 && p->v.major == 0)
		k = p->v.minor == 0 && p->k == 3 ? 3 : 2;
	else if (k >= 1)
		k = 1;
	return within(p, k, v) && ge(v, &p->v);
}

/* One comparator: op is "", "=", "<", "<=", ">", ">=", "~" or "^". 1, 0, or -1 (invalid). */
static int comparator(const char *op, const char *ver, const struct semver *v)
{
	struct partial p;
	if (partial_parse(ver, &p) < 0)
		return -1;
	struct semver hi = above(&p, p.k);
	if (!*op || !strcmp(op, "="))
		return within(&p, p.k, v);
	if (!strcmp(op, ">="))
		return ge(v, &p.v);
	if (!strcmp(op, "<"))
		return p.k > 0 && lt(v, &p.v);
	if (!strcmp(op, ">"))
		return p.k > 0 && ge(v, &hi);
	if (!strcmp(op, "<="))
		return p.k == 0 || lt(v, &hi);
	if (!strcmp(op, "~"))
		return within(&p, p.k < 2 ? p.k : 2, v) && ge(v, &p.v);
	if (!strcmp(op, "^"))
		return caret(&p, v);
	return -1;
}

/* Splits s (modified) at blanks into at most TOKENS_MAX tokens; -1 when there are more. */
static int tokenize(char *s, char **tok)
{
	int n = 0;
	for (char *t = strtok(s, " \t"); t; t = strtok(NULL, " \t")) {
		if (n == TOKENS_MAX)
			return -1;
		tok[n++] = t;
	}
	return n;
}

static size_t op_len(const char *t)
{
	if (!strncmp(t, ">=", 2) || !strncmp(t, "<=", 2) || !strncmp(t, "~>", 2))
		return 2;
	return strchr("<>=~^", *t) && *t ? 1 : 0;
}

/* One set of comparators, all of which must hold. 1, 0, or -1 (invalid). */
static int set_match(char *s, const struct semver *v)
{
	char *tok[TOKENS_MAX];
	int n = tokenize(s, tok), ok = 1;
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (i + 2 < n && !strcmp(tok[i + 1], "-")) { /* hyphen range "a - b" */
			int lo = comparator(">=", tok[i], v), hi = comparator("<=", tok[i + 2], v);
			if (lo < 0 || hi < 0)
				return -1;
			ok &= lo && hi;
			i += 2;
			continue;
		}
		char op[3] = "";
		size_t k = op_len(tok[i]);
		memcpy(op, tok[i], k);
		if (!strcmp(op, "~>"))
			strcpy(op, "~");
		const char *ver = tok[i] + k;
		if (!*ver && k) { /* "> 1.2": the version is the next token */
			if (++i == n)
				return -1;
			ver = tok[i];
		}
		int r = comparator(op, *ver ? ver : "*", v);
		if (r < 0)
			return -1;
		ok &= r;
	}
	return ok;
}

int piston_range_match(const char *range, const struct semver *v)
{
	char buf[RANGE_MAX];
	if (strlen(range) >= sizeof(buf))
		return 0;
	snprintf(buf, sizeof(buf), "%s", range);
	int any = 0;
	char *alt = buf;
	for (;;) {
		char *bar = strstr(alt, "||");
		if (bar)
			*bar = '\0';
		int r = set_match(alt, v);
		if (r < 0)
			return 0; /* invalid anywhere: semver.satisfies() says false */
		any |= r;
		if (!bar)
			break;
		alt = bar + 2;
	}
	return any;
}

/* From Piston's packages (engineer-man/piston @0a844d0, packages/<name>/<version>/
 * metadata.json); our id is added as an alias where Piston's name differs. */
static const struct piston_lang langs[] = {
	{ "python", "python", NULL, { "py", "py3", "python3", NULL } },
	{ "javascript",
	  "javascript",
	  "node",
	  { "node-javascript", "node-js", "javascript", "js", NULL } },
	{ "typescript", "typescript", NULL, { "ts", "node-ts", "tsc", NULL } },
	{ "c", "c", "gcc", { "gcc", NULL } },
	{ "cpp", "c++", "gcc", { "cpp", "g++", NULL } },
	{ "bash", "bash", NULL, { "sh", NULL } },
	{ "go", "go", NULL, { "go", "golang", NULL } },
	{ "java", "java", NULL, { NULL } },
	{ "rust", "rust", NULL, { "rs", NULL } },
	{ "ruby", "ruby", NULL, { "ruby3", "rb", NULL } },
	{ "php", "php", NULL, { NULL } },
};

const struct piston_lang *piston_lang_find(const char *id)
{
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (!strcmp(langs[i].id, id))
			return &langs[i];
	return NULL;
}

int piston_lang_matches(const char *id, const char *name)
{
	const struct piston_lang *l = piston_lang_find(id);
	if (!strcmp(id, name))
		return 1;
	if (!l)
		return 0;
	if (!strcmp(l->language, name))
		return 1;
	for (int i = 0; l->aliases[i]; i++)
		if (!strcmp(l->aliases[i], name))
			return 1;
	return 0;
}

/* Linux's numbering (x86-64 and arm64 alike), as Piston's globals.SIGNALS lists it. */
static const char *const signals[] = {
	[1] = "SIGHUP",	    [2] = "SIGINT",   [3] = "SIGQUIT",	 [4] = "SIGILL",   [5] = "SIGTRAP",
	[6] = "SIGABRT",    [7] = "SIGBUS",   [8] = "SIGFPE",	 [9] = "SIGKILL",  [10] = "SIGUSR1",
	[11] = "SIGSEGV",   [12] = "SIGUSR2", [13] = "SIGPIPE",	 [14] = "SIGALRM", [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT",	 [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN",   [22] = "SIGTTOU", [23] = "SIGURG",	 [24] = "SIGXCPU", [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO",   [30] = "SIGPWR",
	[31] = "SIGSYS",
};

int piston_signal_number(const char *name)
{
	for (size_t i = 1; name && i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i] && !strcmp(signals[i], name))
			return (int)i;
	return 0;
}

void piston_verdict_of(const struct piston_outcome *o, struct piston_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->signal = o->signal;
	v->has_code = !o->signal;
	if (!o->ran) {
		v->status = "XX";
		v->has_code = 0;
		snprintf(v->message, sizeof(v->message), "internal error");
	} else if (o->stdout_capped || o->stderr_capped) { /* Piston's own, set before isolate's */
		v->status = o->stdout_capped ? "OL" : "EL";
		snprintf(v->message, sizeof(v->message), "%s length exceeded",
			 o->stdout_capped ? "stdout" : "stderr");
	} else if (o->memory_exceeded) { /* the cgroup's OOM killer: isolate sees signal 9 */
		v->status = "SG";
		v->signal = "SIGKILL";
		snprintf(v->message, sizeof(v->message), "Caught fatal signal 9");
	} else if (o->wall_timeout || o->cpu_timeout) { /* isolate's words */
		v->status = "TO";
		snprintf(v->message, sizeof(v->message), "Time limit exceeded%s",
			 o->cpu_timeout ? "" : " (wall clock)");
	} else if (o->signal) {
		v->status = "SG";
		snprintf(v->message, sizeof(v->message), "Caught fatal signal %d",
			 piston_signal_number(o->signal));
	} else if (o->exit_code != 0) {
		v->status = "RE";
		snprintf(v->message, sizeof(v->message), "Exited with error status %d",
			 o->exit_code);
	}
	if (v->status && (!strcmp(v->status, "TO") || v->status[1] == 'L')) {
		v->signal = "SIGKILL"; /* Piston reports TO, OL and EL as killed */
		v->has_code = 0;
	}
	if (v->status && !strcmp(v->status, "SG"))
		v->has_code = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long piston_hex_decode(const char *s, size_t n, unsigned char *out)
{
	if (n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}
