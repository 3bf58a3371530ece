/*
 * docker_list.c - listing containers (optionally by label, with one label's value each) and
 * freeing such a list: GET /containers/json over the calls of docker.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf (also set by the Makefile) */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "docker.h"
#include "docker_priv.h"

/* "/containers/json?all=1&filters=<urlencoded {"label":["k=v"]}>" */
static char *list_path(struct docker *d, const char *label)
{
	char *p = NULL;
	if (!label)
		return strdup("/containers/json?all=1");
	cJSON *f = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(f, "label");
	cJSON *s = cJSON_CreateString(label);
	if (a && s && cJSON_AddItemToArray(a, s))
		s = NULL;
	cJSON_Delete(s);
	char *js = a ? cJSON_PrintUnformatted(f) : NULL;
	char *e = js ? curl_easy_escape(d->curl, js, 0) : NULL;
	if (!e || asprintf(&p, "/containers/json?all=1&filters=%s", e) < 0)
		p = NULL;
	curl_free(e);
	cJSON_free(js);
	cJSON_Delete(f);
	return p;
}

/* Ids (and, when key is set, the value of label key or "" per container) of a listing. */
static int collect_ids(struct docker *d, const cJSON *arr, const char *key, char ***ids,
		       char ***vals, size_t *n)
{
	if (!cJSON_IsArray(arr)) {
		docker_fail(d, DOCKER_E_PROTO, 0, "GET", "/containers/json",
			    "the answer is not an array");
		return -1;
	}
	size_t cnt = (size_t)cJSON_GetArraySize(arr);
	char **v = calloc(cnt ? cnt : 1, sizeof(*v)),
	     **l = key ? calloc(cnt ? cnt : 1, sizeof(*l)) : NULL;
	size_t i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "Id");
		const char *lv = key ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
					       cJSON_GetObjectItemCaseSensitive(it, "Labels"), key))
				     : NULL;
		if (!v || (key && !l) || !cJSON_IsString(id) || !(v[i] = strdup(id->valuestring)) ||
		    (key && !(l[i] = strdup(lv ? lv : "")))) {
			docker_free_list(v, v && v[i] ? i + 1 : i);
			docker_free_list(l, i);
			docker_fail(d, DOCKER_E_PROTO, 0, "GET", "/containers/json",
				    "a listed container has no usable \"Id\"");
			return -1;
		}
		i++;
	}
	*ids = v;
	if (vals)
		*vals = l;
	*n = i;
	return 0;
}

int docker_list_labelled(struct docker *d, const char *label, const char *key, char ***ids,
			 char ***vals, size_t *n)
{
	*ids = NULL;
	if (vals)
		*vals = NULL;
	*n = 0;
	char *path = list_path(d, label);
	if (!path) {
		return docker_fail(d, DOCKER_E_PROTO, 0, "GET", "/containers/json",
				   "cannot build the filter");
	}
	cJSON *arr;
	int rc = docker_call_json(d, "GET", path, NULL, &arr);
	free(path);
	if (rc < 0)
		return -1;
	rc = collect_ids(d, arr, vals ? key : NULL, ids, vals, n);
	cJSON_Delete(arr);
	return rc;
}

int docker_list(struct docker *d, const char *label, char ***ids, size_t *n)
{
	return docker_list_labelled(d, label, NULL, ids, NULL, n);
}

void docker_free_list(char **ids, size_t n)
{
	if (!ids)
		return;
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}
