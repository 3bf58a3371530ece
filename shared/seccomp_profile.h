/*
 * seccomp_profile.h - the container seccomp profile (docker.seccomp_profile): a JSON file read
 * once at start, checked, and kept as compact JSON text for every container's SecurityOpt.
 */
#ifndef EXECUTIONER_SECCOMP_PROFILE_H
#define EXECUTIONER_SECCOMP_PROFILE_H

#include <stddef.h>

#define SECCOMP_PROFILE_MAX (256 * 1024) /* bytes of the file; the shipped one is ~14 KB */

/* Resolves setting (a path; relative to the directory of conf_path unless absolute) into
 * resolved. "" and "default" select the engine's own default profile: *json = NULL, resolved
 * empty. Otherwise *json gets the profile as compact JSON (malloc'd) once the file is read, is
 * at most SECCOMP_PROFILE_MAX bytes and is a JSON object with "defaultAction" and "syscalls".
 * Returns 0, or -1 with one line in err naming the file. */
int seccomp_profile_load(const char *setting, const char *conf_path, char *resolved, size_t rlen,
			 char **json, char *err, size_t errlen);

#endif
