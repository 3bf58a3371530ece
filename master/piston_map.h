/*
 * piston_map.h - the pure tables and rules of the Piston v2 layer (master/piston.c): semver
 * versions and ranges (node-semver's syntax, as Piston's runtime lookup uses), Piston's names and
 * aliases of our languages, and our run outcomes as Piston's status, message and signal.
 */
#ifndef EXECUTIONER_PISTON_MAP_H
#define EXECUTIONER_PISTON_MAP_H

#include <stddef.h>

struct semver {
	long major, minor, patch;
};

/* The semver form of a toolchain's version string ("3.11.2", "17.0.19", "5.2.15(1)-release" ->
 * "5.2.15", "1.63" -> "1.63.0"): its first three numeric parts. -1 when it starts with no
 * number. */
int piston_semver_parse(const char *s, struct semver *v);

/* "MAJOR.MINOR.PATCH" into out (n bytes). */
void piston_semver_text(const struct semver *v, char *out, size_t n);

/* -1, 0, 1 as a is lower, equal, higher than b. */
int piston_semver_cmp(const struct semver *a, const struct semver *b);

/* Does v satisfy range? node-semver syntax without prereleases: "*", "" and "x"; partial and
 * X-ranges ("3", "3.x", "3.11.*"); comparators (=, <, <=, >, >=) joined by spaces; ~ and ^; hyphen
 * ranges ("1.2 - 3"); alternatives joined by "||". 1 yes, 0 no (an invalid range matches nothing,
 * as semver.satisfies() answers false). */
int piston_range_match(const char *range, const struct semver *v);

/* Piston's name for one of our languages: its "language", the "runtime" that provides it (NULL
 * when Piston gives none) and its aliases (NULL-terminated; our own id is one when it differs). */
struct piston_lang {
	const char *id;	      /* ours, e.g. "cpp" */
	const char *language; /* Piston's, e.g. "c++" */
	const char *runtime;  /* e.g. "gcc", or NULL */
	const char *aliases[8];
};

/* The entry for our language id, or NULL for a language Piston has no name for (its "language"
 * is then our id, with no aliases). */
const struct piston_lang *piston_lang_find(const char *id);

/* Does name (a request's "language") name the language with our id (its Piston name, an alias,
 * or our id)? */
int piston_lang_matches(const char *id, const char *name);

/* How one step (compile or run) ended, in our terms. */
struct piston_outcome {
	int ran;	    /* 0: never started (internal error) */
	int exit_code;	    /* valid when signal is NULL */
	const char *signal; /* "SIGSEGV", ... or NULL */
	int wall_timeout, cpu_timeout, memory_exceeded, stdout_capped, stderr_capped;
};

/* The same in Piston's terms: status "RE", "SG", "TO", "OL", "EL", "XX" or NULL (a clean exit),
 * message as isolate or Piston words it (or "" for none: JSON null), the signal to report (Piston
 * reports SIGKILL for TO, OL, EL) and whether the exit code is known. */
struct piston_verdict {
	const char *status;
	char message[96];
	const char *signal;
	int has_code;
};

void piston_verdict_of(const struct piston_outcome *o, struct piston_verdict *v);

/* A signal's number from its name ("SIGSEGV" -> 11), or 0 when unknown. */
int piston_signal_number(const char *name);

/* Hex text (an even number of hex digits) decoded into out (at least n/2 bytes); the byte count,
 * or -1 when s is not hex. */
long piston_hex_decode(const char *s, size_t n, unsigned char *out);

#endif
