/*
 * judge0_map.c - the pure tables of the Judge0 CE drop-in (see judge0_map.h), each checked
 * against Judge0 CE v1.13.1's source (app/enumerations/status.rb, db/languages/active.rb,
 * app/jobs/isolate_job.rb, app/services/fields/submission.rb) and unit-tested.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "judge0_map.h"

static const char *const status_names[J0_NSTATUS] = {
	[J0_IN_QUEUE] = "In Queue",
	[J0_PROCESSING] = "Processing",
	[J0_ACCEPTED] = "Accepted",
	[J0_WRONG_ANSWER] = "Wrong Answer",
	[J0_TLE] = "Time Limit Exceeded",
	[J0_COMPILE_ERROR] = "Compilation Error",
	[J0_SIGSEGV] = "Runtime Error (SIGSEGV)",
	[J0_SIGXFSZ] = "Runtime Error (SIGXFSZ)",
	[J0_SIGFPE] = "Runtime Error (SIGFPE)",
	[J0_SIGABRT] = "Runtime Error (SIGABRT)",
	[J0_NZEC] = "Runtime Error (NZEC)",
	[J0_OTHER] = "Runtime Error (Other)",
	[J0_INTERNAL] = "Internal Error",
	[J0_EXEC_FORMAT] = "Exec Format Error",
};

const char *judge0_status_name(int id)
{
	return id >= 1 && id < J0_NSTATUS ? status_names[id] : NULL;
}

/* Ids below 90 are v1.13.1's db/languages/active.rb; 91-98 are those ce.judge0.com serves
 * beside them (Java 17, Python 3.11, Node.js 18, TypeScript 5, Go 1.18, PHP 8.3). The names
 * are Judge0's with our toolchain's version. */
static const struct judge0_lang langs[] = {
	{ 46, "bash", "Bash (%s)" },
	{ 50, "c", "C (GCC %s)" },
	{ 54, "cpp", "C++ (GCC %s)" },
	{ 60, "go", "Go (%s)" },
	{ 62, "java", "Java (OpenJDK %s)" },
	{ 63, "javascript", "JavaScript (Node.js %s)" },
	{ 68, "php", "PHP (%s)" },
	{ 71, "python", "Python (%s)" },
	{ 72, "ruby", "Ruby (%s)" },
	{ 73, "rust", "Rust (%s)" },
	{ 74, "typescript", "TypeScript (%s)" },
	{ 91, "java", "Java (JDK %s)" },
	{ 92, "python", "Python (%s)" },
	{ 93, "javascript", "JavaScript (Node.js %s)" },
	{ 94, "typescript", "TypeScript (%s)" },
	{ 95, "go", "Go (%s)" },
	{ 98, "php", "PHP (%s)" },
};

const struct judge0_lang *judge0_langs(size_t *n)
{
	*n = sizeof(langs) / sizeof(langs[0]);
	return langs;
}

const struct judge0_lang *judge0_lang_find(int id)
{
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (langs[i].id == id)
			return &langs[i];
	return NULL;
}

static const struct {
	const char *name;
	int no;
} signals[] = {
	{ "SIGHUP", SIGHUP },	{ "SIGINT", SIGINT },	{ "SIGQUIT", SIGQUIT },
	{ "SIGILL", SIGILL },	{ "SIGTRAP", SIGTRAP }, { "SIGABRT", SIGABRT },
	{ "SIGBUS", SIGBUS },	{ "SIGFPE", SIGFPE },	{ "SIGKILL", SIGKILL },
	{ "SIGUSR1", SIGUSR1 }, { "SIGSEGV", SIGSEGV }, { "SIGUSR2", SIGUSR2 },
	{ "SIGPIPE", SIGPIPE }, { "SIGALRM", SIGALRM }, { "SIGTERM", SIGTERM },
	{ "SIGXCPU", SIGXCPU }, { "SIGXFSZ", SIGXFSZ }, { "SIGSYS", SIGSYS },
};

int judge0_signal_number(const char *name)
{
	for (size_t i = 0; name && i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcmp(signals[i].name, name))
			return signals[i].no;
	return 0;
}

int judge0_signal_status(int signo)
{
	switch (signo) {
	case 11:
		return J0_SIGSEGV;
	case 25:
		return J0_SIGXFSZ;
	case 8:
		return J0_SIGFPE;
	case 6:
		return J0_SIGABRT;
	default:
		return J0_OTHER;
	}
}

static int ruby_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	       c == '\0';
}

/* Ruby's text.split("\n").collect(&:rstrip).join("\n").rstrip, into a malloc'd string. */
static char *judge0_strip(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		while (len > 0 && ruby_space(s[len - 1]))
			len--;
		memcpy(o, s, len);
		o += len;
		if (nl)
			*o++ = '\n';
		s = nl ? nl + 1 : s + strlen(s);
	}
	while (o > out && ruby_space(o[-1]))
		o--;
	*o = '\0';
	return out;
}

int judge0_output_equal(const char *expected, const char *actual)
{
	char *a = judge0_strip(expected ? expected : ""), *b = judge0_strip(actual ? actual : "");
	int eq = a && b && !strcmp(a, b);
	free(a);
	free(b);
	return eq;
}

int judge0_verdict(const cJSON *n, const char *expected)
{
	const char *st = json_str(n, "status", "internal_error");
	if (!strcmp(st, "compile_error"))
		return J0_COMPILE_ERROR;
	if (!strcmp(st, "timeout"))
		return J0_TLE;
	if (!strcmp(st, "output_limit_exceeded")) /* Judge0's output is a file under -f */
		return J0_SIGXFSZ;
	if (!strcmp(st, "memory_exceeded")) /* killed by the cgroup, as Judge0's SIGKILL */
		return J0_OTHER;
	if (!strcmp(st, "runtime_error")) {
		int sig = judge0_signal_number(json_str(n, "signal", NULL));
		return sig ? judge0_signal_status(sig) : J0_NZEC;
	}
	if (strcmp(st, "ok"))
		return J0_INTERNAL;
	if (!expected || judge0_output_equal(expected, json_str(n, "stdout", "")))
		return J0_ACCEPTED;
	return J0_WRONG_ANSWER;
}

void judge0_seconds(double ms, char *out, size_t n)
{
	snprintf(out, n, "%.3f", round(ms) / 1000.0);
}

cJSON *judge0_split_args(const char *s)
{
	cJSON *a = cJSON_CreateArray();
	char *w = malloc(strlen(s) + 1);
	if (!a || !w)
		goto fail;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		size_t k = 0;
		char q = 0;
		for (; *s && (q || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
			if (q && *s == q)
				q = 0;
			else if (!q && (*s == '\'' || *s == '"'))
				q = *s;
			else if (*s == '\\' && q != '\'' && s[1])
				w[k++] = *++s;
			else
				w[k++] = *s;
		}
		if (q)
			goto fail;
		w[k] = '\0';
		cJSON_AddItemToArray(a, cJSON_CreateString(w));
	}
	free(w);
	return a;
fail:
	free(w);
	cJSON_Delete(a);
	return NULL;
}

/* SubmissionSerializer's attributes: the columns but id, then status and language. */
static const char *const all_fields[] = { "source_code",
					  "language_id",
					  "stdin",
					  "expected_output",
					  "stdout",
					  "status_id",
					  "created_at",
					  "finished_at",
					  "time",
					  "memory",
					  "stderr",
					  "token",
					  "number_of_runs",
					  "cpu_time_limit",
					  "cpu_extra_time",
					  "wall_time_limit",
					  "memory_limit",
					  "stack_limit",
					  "max_processes_and_or_threads",
					  "enable_per_process_and_thread_time_limit",
					  "enable_per_process_and_thread_memory_limit",
					  "max_file_size",
					  "compile_output",
					  "exit_code",
					  "exit_signal",
					  "message",
					  "wall_time",
					  "compiler_options",
					  "command_line_arguments",
					  "redirect_stderr_to_stdout",
					  "callback_url",
					  "additional_files",
					  "enable_network",
					  "started_at",
					  "queued_at",
					  "updated_at",
					  "queue_host",
					  "execution_host",
					  "status",
					  "language",
					  NULL };
static const char *const default_fields[] = { "token",	 "time",   "memory",
					      "stdout",	 "stderr", "compile_output",
					      "message", "status", NULL };

static int known_field(const char *f)
{
	for (int i = 0; all_fields[i]; i++)
		if (!strcmp(all_fields[i], f))
			return 1;
	return 0;
}

static cJSON *names(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

cJSON *judge0_fields(const char *fields, char *bad, size_t n)
{
	char *copy = strdup(fields ? fields : ""), *save = NULL;
	cJSON *a = cJSON_CreateArray();
	int all = 0;
	size_t used = 0;
	bad[0] = '\0';
	for (char *f = copy ? strtok_r(copy, ",", &save) : NULL; f;
	     f = strtok_r(NULL, ",", &save)) {
		if (!strcmp(f, "*"))
			all = 1;
		else if (!known_field(f) && used < n)
			used += (size_t)snprintf(bad + used, n - used, "%s%s", used ? ", " : "", f);
		else if (known_field(f))
			cJSON_AddItemToArray(a, cJSON_CreateString(f));
	}
	free(copy);
	if (bad[0] || !a) {
		cJSON_Delete(a);
		return NULL;
	}
	if (all || cJSON_GetArraySize(a) == 0) {
		cJSON_Delete(a);
		return names(all ? all_fields : default_fields);
	}
	return a;
}

int judge0_listed(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = list; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t k = strcspn(p, ", ");
		if (k == n && !strncmp(p, id, n))
			return 1;
		p += k;
	}
	return 0;
}
