/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_config.c - libFuzzer target: the configuration file parser
 *
 * The input is written to a private temporary file and loaded with cfg_load():
 * either a snapshot comes back, or NULL with an error text.
 */
#include "autoconf.h"

#include <unistd.h>

#include "config.h"
#include "fuzz.h"

/* the temporary file's name, set once by LLVMFuzzerInitialize */
static char path[64];

/* remove_file - at exit */
static void
remove_file(void)
{
	unlink(path);
}

/* LLVMFuzzerInitialize - quiet logging, the temporary file */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	snprintf(path, sizeof path, "/tmp/mailauth-fuzzcfg.XXXXXX");
	if ((fd = mkstemp(path)) < 0) {
		perror("mkstemp");
		exit(1);
	}
	close(fd);
	atexit(remove_file);
	return 0;
}

/* LLVMFuzzerTestOneInput - one configuration file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "w");
	struct config *c;
	struct buf err;

	if (fp == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	buf_init(&err);
	c = cfg_load(path, &err);
	if (c == NULL && err.len == 0)
		abort();
	if (c != NULL)
		cfg_unref(c);
	buf_free(&err);
	return 0;
}
