/*
 * config_lang.c - the language list of executioner.conf ("languages", one group each): parsed and
 * checked with libconfig (file:line in every message), each member a language leaves out taken
 * from the global defaults; and its part of --check-config's printout.
 */
#include <ctype.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>

#include "config_lang.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

void config_argv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}


/* A language's member: 1 found, 0 absent (fine), -1 absent but required (err set). */
static int member(const config_setting_t *l, const char *key, int required, config_setting_t **out,
		  const char *file, char *err, size_t errlen)
{
	*out = config_setting_get_member(l, key);
	if (*out)
		return 1;
	if (required)
		return ERR("%s:%d: language needs \"%s\"", file, config_setting_source_line(l),
			   key),
		       -1;
	return 0;
}

/* An array of strings -> NULL-terminated argv. Missing -> *out NULL, returns 0. */
static int load_argv(const config_setting_t *l, const char *key, char ***out, int required,
		     const char *file, char *err, size_t errlen)
{
	config_setting_t *a;
	*out = NULL;
	int m = member(l, key, required, &a, file, err, errlen);
	if (m <= 0)
		return m;
	int n = config_setting_length(a);
	if (!config_setting_is_array(a) || (n == 0 && required))
		return ERR("%s:%d: %s must be a non-empty array of strings", file,
			   config_setting_source_line(a), key), -1;
	char **v = calloc((size_t)n + 1, sizeof(char *));
	if (!v)
		return ERR("%s: out of memory", file), -1;
	for (int i = 0; i < n; i++) {
		const char *s = config_setting_get_string_elem(a, i);
		if (!s || !(v[i] = strdup(s))) {
			config_argv_free(v);
			return ERR("%s:%d: %s must be an array of strings", file,
				   config_setting_source_line(a), key), -1;
		}
	}
	*out = v;
	return 0;
}

static int lang_str(const config_setting_t *l, const char *key, char *dst, size_t n, int required,
		    const char *file, char *err, size_t errlen)
{
	config_setting_t *s;
	int m = member(l, key, required, &s, file, err, errlen);
	if (m <= 0)
		return m;
	const char *v = config_setting_get_string(s);
	if (!v || strlen(v) >= n || (required && !*v))
		return ERR("%s:%d: %s must be a non-empty string of at most %zu bytes", file,
			   config_setting_source_line(s), key, n - 1), -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int lang_num(const config_setting_t *l, const char *key, double *v, double lo, double hi,
		    const char *file, char *err, size_t errlen)
{
	config_setting_t *s = config_setting_get_member(l, key);
	if (!s)
		return 0;
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_FLOAT)
		*v = config_setting_get_float(s);
	else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
		*v = (double)config_setting_get_int64(s);
	else
		return ERR("%s:%d: %s must be a number", file, config_setting_source_line(s), key),
		       -1;
	if (*v < lo || *v > hi)
		return ERR("%s:%d: %s must be between %g and %g", file,
			   config_setting_source_line(s), key, lo, hi),
		       -1;
	return 0;
}

static int id_ok(const char *id)
{
	for (const char *p = id; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' &&
		    *p != '-')
			return 0;
	return *id != '\0';
}

static int load_lang(const config_setting_t *l, const char *f, const struct lang *def,
		     struct lang *g, char *err, size_t errlen)
{
	double pool = def->pool_size, mem = def->memory_mb, pids = def->pids;
	double ct = def->compile_time_s, cm = def->compile_memory_mb, uses = def->max_uses;
	if (!config_setting_is_group(l))
		return ERR("%s:%d: each language must be a group { ... }", f,
			   config_setting_source_line(l)),
		       -1;
	if (lang_str(l, "id", g->id, sizeof(g->id), 1, f, err, errlen) < 0 ||
	    lang_str(l, "name", g->name, sizeof(g->name), 1, f, err, errlen) < 0 ||
	    lang_str(l, "version", g->version, sizeof(g->version), 1, f, err, errlen) < 0 ||
	    lang_str(l, "image", g->image, sizeof(g->image), 1, f, err, errlen) < 0 ||
	    lang_str(l, "file", g->file, sizeof(g->file), 1, f, err, errlen) < 0 ||
	    load_argv(l, "compile", &g->compile, 0, f, err, errlen) < 0 ||
	    load_argv(l, "run", &g->run, 1, f, err, errlen) < 0 ||
	    load_argv(l, "env", &g->env, 0, f, err, errlen) < 0 ||
	    lang_num(l, "pool_size", &pool, 0, 64, f, err, errlen) < 0 ||
	    lang_num(l, "memory_mb", &mem, 8, 65536, f, err, errlen) < 0 ||
	    lang_num(l, "pids", &pids, 8, 100000, f, err, errlen) < 0 ||
	    lang_num(l, "compile_time_s", &ct, 0.1, 3600, f, err, errlen) < 0 ||
	    lang_num(l, "compile_memory_mb", &cm, 8, 65536, f, err, errlen) < 0 ||
	    lang_num(l, "max_uses", &uses, 1, 999, f, err, errlen) < 0)
		return -1;
	if (!id_ok(g->id))
		return ERR("%s:%d: language id \"%s\" must be lowercase letters, digits, '-' or "
			   "'_'",
			   f, config_setting_source_line(l), g->id),
		       -1;
	if (strchr(g->file, '/') || !strcmp(g->file, ".") || !strcmp(g->file, ".."))
		return ERR("%s:%d: file \"%s\" must be a plain file name", f,
			   config_setting_source_line(l), g->file),
		       -1;
	g->pool_size = (int)pool;
	g->memory_mb = (int)mem;
	g->pids = (int)pids;
	g->compile_time_s = ct;
	g->compile_memory_mb = (int)cm;
	g->max_uses = (int)uses;
	if (g->max_uses != uses)
		return ERR("%s:%d: max_uses must be an integer", f, config_setting_source_line(l)),
		       -1;
	return 0;
}

int config_langs_load(config_t *cf, const char *file, const struct lang *def,
		      struct lang **langs, int *nlangs, char *err, size_t errlen)
{
	config_setting_t *ls = config_lookup(cf, "languages");
	if (!ls || !config_setting_is_list(ls) || config_setting_length(ls) == 0)
		return ERR("%s: \"languages\" must be a non-empty list ( {...}, ... )", file),
		       -1;
	int n = config_setting_length(ls);
	*langs = calloc((size_t)n, sizeof(struct lang));
	if (!*langs)
		return ERR("%s: out of memory", file), -1;
	for (int i = 0; i < n; i++) {
		struct lang *g = &(*langs)[i];
		*nlangs = i + 1;
		if (load_lang(config_setting_get_elem(ls, (unsigned)i), file, def, g, err, errlen) <
		    0)
			return -1;
		for (int j = 0; j < i; j++)
			if (!strcmp((*langs)[j].id, g->id))
				return ERR("%s:%d: language id \"%s\" appears twice", file,
					   config_setting_source_line(
						   config_setting_get_elem(ls, (unsigned)i)),
					   g->id),
				       -1;
	}
	return 0;
}

void config_langs_free(struct lang *langs, int n)
{
	for (int i = 0; langs && i < n; i++) {
		config_argv_free(langs[i].compile);
		config_argv_free(langs[i].run);
		config_argv_free(langs[i].env);
	}
	free(langs);
}

static void print_argv(FILE *f, const char *key, char **v)
{
	if (!v)
		return;
	fprintf(f, " %s = [", key);
	for (int i = 0; v[i]; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", v[i]);
	fprintf(f, "];");
}

void config_langs_print(const struct lang *langs, int n, FILE *f)
{
	fprintf(f, "languages = (\n");
	for (int i = 0; i < n; i++) {
		const struct lang *g = &langs[i];
		fprintf(f,
			"  { id = \"%s\"; name = \"%s\"; version = \"%s\"; image = \"%s\"; file = "
			"\"%s\";",
			g->id, g->name, g->version, g->image, g->file);
		print_argv(f, "compile", g->compile);
		print_argv(f, "run", g->run);
		print_argv(f, "env", g->env);
		fprintf(f, " pool_size = %d; memory_mb = %d; pids = %d; max_uses = %d; }%s\n",
			g->pool_size, g->memory_mb, g->pids, g->max_uses,
			i + 1 < n ? "," : "");
	}
	fprintf(f, ");\n");
}
