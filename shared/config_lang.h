/*
 * config_lang.h - a configured language (struct lang) and the loader of executioner.conf's
 * language list (config_lang.c), which config_load() calls; the rest of config.h's settings are
 * not its concern: what it needs of them comes as arguments.
 */
#ifndef EXECUTIONER_CONFIG_LANG_H
#define EXECUTIONER_CONFIG_LANG_H

#include <stddef.h>
#include <stdio.h>

#define CONF_ID_MAX 32
#define CONF_STR_MAX 256

struct lang {
	char id[CONF_ID_MAX];
	char name[64];
	char version[64];
	char image[CONF_STR_MAX];
	char file[128];       /* source file name in the work dir, e.g. "main.py" */
	char **compile;       /* argv, NULL-terminated, or NULL when nothing is compiled */
	char **run; /* argv, NULL-terminated; "{memory_mb}" and "{heap_mb}" are expanded */
	char **env;           /* "K=V" entries added to the base environment, NULL-terminated */
	int pool_size;        /* containers kept ready */
	int memory_mb;        /* default memory limit of a run */
	int pids;             /* container PID limit */
	double compile_time_s;
	int compile_memory_mb;
	int max_uses;         /* jobs per container (pool.max_uses); > 1: reset between jobs */
};

struct config_t; /* libconfig's parsed file */

/* Reads the list "languages" of cf (file: its path, for the messages); a member a language leaves
 * out takes def's. 0, or -1 with one line in err; either way what was begun is in *langs and
 * *nlangs (left alone when nothing was), for config_langs_free(). */
int config_langs_load(struct config_t *cf, const char *file, const struct lang *def,
		      struct lang **langs, int *nlangs, char *err, size_t errlen);
void config_langs_free(struct lang *langs, int n);
/* The list as --check-config prints it: "languages = ( ... );". */
void config_langs_print(const struct lang *langs, int n, FILE *f);
/* Frees a NULL-terminated argv (a language's compile, run or env; a list of keys). */
void config_argv_free(char **v);

#endif
