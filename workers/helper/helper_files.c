/*
 * helper_files.c - the helper's file work in the work dir: writing the job's files (each
 * directory made with mkdirat and entered with O_DIRECTORY|O_NOFOLLOW, each file made with
 * O_CREAT|O_EXCL|O_NOFOLLOW) and reading output files back without following any symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"
#include "relpath.h"
#include "wire.h"

/* Opens the directory holding path's last component, relative to wd, creating the missing
 * directories (mode 0700) when create. Returns the fd and sets *last, or -1 (errno set). */
static int open_parent(int wd, const char *path, int create, const char **last)
{
	char comp[RELPATH_MAX_BYTES + 1];
	int dir = dup(wd);
	const char *p = path, *slash;
	while (dir >= 0 && (slash = strchr(p, '/'))) {
		size_t n = (size_t)(slash - p);
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (create && mkdirat(dir, comp, 0700) < 0 && errno != EEXIST) {
			int e = errno;
			close(dir);
			errno = e;
			return -1;
		}
		/* O_PATH: search permission is enough; with O_DIRECTORY|O_NOFOLLOW a symlink is
		 * refused (ENOTDIR), never followed */
		int next = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(dir);
		errno = e;
		dir = next;
		p = slash + 1;
	}
	*last = p;
	return dir;
}

int helper_write_file(int wd, const char *name, const uint8_t *p, size_t n)
{
	const char *last;
	if (relpath_check(name, strlen(name), NULL) < 0) {
		errno = EINVAL;
		return -1;
	}
	int dir = open_parent(wd, name, 1, &last);
	if (dir < 0)
		return -1;
	int fd = openat(dir, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	int e = errno;
	close(dir);
	if (fd < 0) {
		errno = e;
		return -1;
	}
	int rc = wire_write_all(fd, p, n);
	e = errno;
	if (close(fd) < 0 && rc == 0)
		return -1;
	errno = e;
	return rc;
}

/* Why the component at dir/comp could not be opened, in the answer's words. */
static const char *open_error(int dir, const char *comp, int err)
{
	struct stat st;
	if (dir >= 0 && fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return "is a symbolic link";
	if (err == ELOOP)
		return "is a symbolic link";
	if (err == ENOENT)
		return "no such file";
	if (err == ENOTDIR)
		return "a directory of its path is not a directory";
	if (err == EACCES || err == EPERM)
		return "permission denied";
	return "cannot be opened";
}

const char *helper_read_file(int wd, const char *name, size_t max, struct buf *out,
			     uint64_t *size)
{
	const char *last, *why = NULL;
	*size = 0;
	if (relpath_check(name, strlen(name), &why) < 0)
		return "is not a valid name";
	int dir = open_parent(wd, name, 0, &last);
	if (dir < 0) {
		/* a directory of the path: find which one failed for the message */
		return errno == ENOTDIR || errno == ELOOP
			       ? "a directory of its path is a symbolic link or not a directory"
			       : open_error(-1, name, errno);
	}
	/* O_NONBLOCK: a FIFO the program planted must not hang us; it is refused below */
	int fd = openat(dir, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		why = open_error(dir, last, errno);
		close(dir);
		return why;
	}
	close(dir);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return "cannot be read";
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file";
	}
	*size = (uint64_t)st.st_size;
	char tmp[65536];
	while (out->len < max) {
		size_t want = max - out->len < sizeof(tmp) ? max - out->len : sizeof(tmp);
		ssize_t r = read(fd, tmp, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			why = "cannot be read";
			break;
		}
		if (r == 0 || buf_append(out, tmp, (size_t)r) < 0)
			break;
	}
	close(fd);
	return why;
}
