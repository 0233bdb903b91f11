/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pidfile.h - the daemon's pid file (see pidfile.c)
 * SYNOPSIS
 *	int pidf_open(const char *path, pid_t *other);
 *	int pidf_write(int fd);
 *	int pidf_remove(int fd, const char *path);
 */
#ifndef MAILAUTH_PIDFILE_H
#define MAILAUTH_PIDFILE_H

#include <sys/types.h>

int pidf_open(const char *path, pid_t *other);
int pidf_write(int fd);
int pidf_remove(int fd, const char *path);

#endif
