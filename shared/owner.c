/*
 * owner.c - owner ids and their lock files (see owner.h). The kernel drops an flock when its
 * holder dies, however it dies, so a free lock proves the owner gone; pids could be reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "owner.h"

static char held_path[512];
static int held_fd = -1;

/* <dir>/<instance>.<id>.lock with anything but [A-Za-z0-9._-] in the instance made '_'. */
static int lock_path(const char *dir, const char *instance, const char *id, char *out, size_t n)
{
	char safe[128];
	size_t i = 0;
	for (; instance[i] && i < sizeof(safe) - 1; i++) {
		char c = instance[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		safe[i] = ok ? c : '_';
	}
	safe[i] = '\0';
	int k = snprintf(out, n, "%s/%s.%s.lock", dir, safe, id);
	return k < 0 || (size_t)k >= n ? -1 : 0;
}

static int id_valid(const char *id)
{
	if (!id || strlen(id) != OWNER_ID_LEN - 1)
		return 0;
	return strspn(id, "0123456789abcdef") == OWNER_ID_LEN - 1;
}

int owner_claim(const char *state_dir, const char *instance, char out[OWNER_ID_LEN])
{
	unsigned char r[8];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		log_error("getrandom");
		return -1;
	}
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	if (mkdir(state_dir, 0755) < 0 && errno != EEXIST) {
		log_error("cannot create docker.state_dir %s", state_dir);
		return -1;
	}
	if (lock_path(state_dir, instance, out, held_path, sizeof(held_path)) < 0) {
		log_errorx("docker.state_dir %s is too long", state_dir);
		return -1;
	}
	held_fd = open(held_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (held_fd < 0 || flock(held_fd, LOCK_EX | LOCK_NB) < 0) {
		log_error("cannot lock %s", held_path);
		return -1;
	}
	return 0;
}

void owner_release(void)
{
	if (held_fd < 0)
		return;
	unlink(held_path);
	close(held_fd);
	held_fd = -1;
}

int owner_alive(const char *state_dir, const char *instance, const char *id)
{
	char path[512];
	if (!id_valid(id) || lock_path(state_dir, instance, id, path, sizeof(path)) < 0)
		return 0;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	int alive = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (!alive)
		unlink(path);
	close(fd);
	return alive;
}
