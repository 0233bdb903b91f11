/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pidfile.c - the daemon's pid file, opened without following a symbolic link
 * SYNOPSIS
 *	int pidf_open(const char *path, pid_t *other);
 *	int pidf_write(int fd);
 *	int pidf_remove(int fd, const char *path);
 * DESCRIPTION
 *	The semantics of libbsd's pidfile_open/pidfile_write/pidfile_remove (an flock
 *	held for the life of the process: a second instance is refused and told the
 *	holder's pid), without its one danger: pidfile_open follows a symbolic link.
 *	The pid file's directory (/run/mailauth) belongs to the user the daemon drops
 *	to, and the daemon opens the file while still root, so that user could point
 *	the path at any file and have the next start as root overwrite it.
 *
 *	pidf_open() opens the last component with O_NOFOLLOW (a symbolic link fails
 *	with ELOOP) and O_NONBLOCK (a FIFO planted there cannot stall the start), then
 *	checks on the descriptor that it is a regular file with one link (a hard link
 *	to someone else's file is refused with EINVAL; Debian's protected_hardlinks
 *	already forbids making one), takes the lock and only then truncates it. The
 *	directories above the last component are trusted: they must not be writable
 *	by anyone but root (the one holding the file may belong to UserID).
 *	pidf_remove() unlinks the path only while it still names the locked file.
 * DIAGNOSTICS
 *	-1 with errno: ELOOP (a symbolic link), EINVAL (not a plain file), EEXIST
 *	(locked by another process, whose pid is in *other when it can be read), or
 *	what open/flock/write said.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pidfile.h"

/* read_pid - the pid written in a pid file someone else holds, or 0 */
static pid_t
read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	char *end;
	long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	return v > 0 && (*end == '\0' || *end == '\n') ? (pid_t)v : 0;
}

/* pidf_open - open and lock the pid file; the descriptor, or -1 (errno) */
int
pidf_open(const char *path, pid_t *other)
{
	struct stat st;
	int fd, e;

	if (other != NULL)
		*other = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY, 0644);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		errno = EINVAL;
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			int rfd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			    O_CLOEXEC);

			if (rfd >= 0) {
				if (other != NULL)
					*other = read_pid(rfd);
				close(rfd);
			}
			errno = EEXIST;
		}
		goto fail;
	}
	if (ftruncate(fd, 0) != 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* pidf_write - our pid into the locked file; 0 or -1 (errno) */
int
pidf_write(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) != 0)
		return -1;
	if (pwrite(fd, buf, (size_t)n, 0) != n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* pidf_remove - unlink the path if it still names our file, then close; 0 or -1 */
int
pidf_remove(int fd, const char *path)
{
	struct stat fst, pst;
	int rc = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &fst) == 0 && lstat(path, &pst) == 0 &&
	    fst.st_dev == pst.st_dev && fst.st_ino == pst.st_ino &&
	    unlink(path) != 0)
		rc = -1;
	close(fd);
	return rc;
}
