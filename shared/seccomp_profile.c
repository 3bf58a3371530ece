/*
 * seccomp_profile.c - reads the seccomp profile file named by docker.seccomp_profile (default
 * conf/seccomp.json next to the config file), caps its size, checks that it is a JSON object
 * shaped like a Docker seccomp profile, and returns it as compact JSON for the create body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "seccomp_profile.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

/* setting relative to the directory of conf_path (unless absolute) into out; -1 if too long. */
static int resolve(const char *setting, const char *conf_path, char *out, size_t n)
{
	const char *slash = strrchr(conf_path, '/');
	int len;
	if (setting[0] == '/' || !slash)
		len = snprintf(out, n, "%s", setting);
	else
		len = snprintf(out, n, "%.*s/%s", (int)(slash - conf_path), conf_path, setting);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* The whole file, NUL-terminated, at most SECCOMP_PROFILE_MAX bytes; NULL with err set. */
static char *read_capped(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ERR("cannot read %s: %s", path, strerror(errno)), NULL;
	char *buf = malloc(SECCOMP_PROFILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return ERR("out of memory reading %s", path), NULL;
	}
	size_t n = fread(buf, 1, SECCOMP_PROFILE_MAX + 1, f);
	int bad = ferror(f), e = errno;
	fclose(f);
	if (bad) {
		free(buf);
		return ERR("cannot read %s: %s", path, strerror(e)), NULL;
	}
	if (n > SECCOMP_PROFILE_MAX) {
		free(buf);
		return ERR("%s is larger than %d bytes", path, SECCOMP_PROFILE_MAX), NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int seccomp_profile_load(const char *setting, const char *conf_path, char *resolved, size_t rlen,
			 char **json, char *err, size_t errlen)
{
	*json = NULL;
	resolved[0] = '\0';
	if (!setting[0] || !strcmp(setting, "default"))
		return 0;
	if (resolve(setting, conf_path, resolved, rlen) < 0)
		return ERR("the path \"%s\" is too long", setting), -1;
	size_t n = 0;
	char *text = read_capped(resolved, &n, err, errlen);
	if (!text)
		return -1;
	const char *end = NULL;
	/* n + 1: the terminating NUL must be where parsing ends (no trailing bytes, no NUL
	 * inside) */
	cJSON *p = strlen(text) == n ? cJSON_ParseWithLengthOpts(text, n + 1, &end, 1) : NULL;
	if (!p) {
		ERR("%s is not valid JSON (near byte %ld)", resolved,
		    end ? (long)(end - text) : (long)strlen(text));
		free(text);
		return -1;
	}
	free(text);
	int shaped = cJSON_IsObject(p) &&
		     cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "defaultAction")) &&
		     cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p, "syscalls"));
	if (shaped)
		*json = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	if (!shaped)
		return ERR("%s is not a seccomp profile (a JSON object with \"defaultAction\" "
			   "and \"syscalls\")", resolved), -1;
	if (!*json)
		return ERR("out of memory reading %s", resolved), -1;
	return 0;
}
