/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.h - one small SQL interface over SQLite and PostgreSQL
 * SYNOPSIS
 *	struct store *store_open(enum store_kind kind, const char *target, struct buf *err);
 *	void store_close(struct store *st);
 *	enum store_kind store_kind(const struct store *st);
 *	int store_exec(struct store *st, const char *sql, const char *const *params,
 *	    size_t nparams, struct store_rows **rows, struct buf *err);
 *	size_t store_nrows(const struct store_rows *r);
 *	size_t store_ncols(const struct store_rows *r);
 *	const char *store_value(const struct store_rows *r, size_t row, size_t col);
 *	void store_rows_free(struct store_rows *r);
 * DESCRIPTION
 *	store_open() opens an SQLite database file (created if missing, WAL journal,
 *	5 s busy timeout) or connects to PostgreSQL with a libpq connection string
 *	(keyword=value form gets connect_timeout=10 unless it names one). libpq is
 *	loaded at the first PostgreSQL open (libpq.so.5, or $MAILAUTH_LIBPQ); when it
 *	cannot be loaded, store_open fails with that reason.
 *	store_exec() runs one statement. Parameters are text (NULL is SQL NULL) and
 *	are written "?" in sql whatever the backend (they become $1..$n for
 *	PostgreSQL); a "?" inside a quoted literal is not a parameter. With rows
 *	non-NULL the whole result is kept in memory as text (SQL NULL reads as NULL
 *	from store_value). Returns 0, or -1 with a message in err. A store is used
 *	by one thread at a time.
 */
#ifndef MAILAUTH_STORE_H
#define MAILAUTH_STORE_H

#include <stddef.h>

#include "config.h"		/* enum store_kind */
#include "util.h"

struct store;
struct store_rows;

struct store *store_open(enum store_kind kind, const char *target, struct buf *err);
void store_close(struct store *st);
enum store_kind store_kind(const struct store *st);
int store_exec(struct store *st, const char *sql, const char *const *params,
    size_t nparams, struct store_rows **rows, struct buf *err);
size_t store_nrows(const struct store_rows *r);
size_t store_ncols(const struct store_rows *r);
const char *store_value(const struct store_rows *r, size_t row, size_t col);
void store_rows_free(struct store_rows *r);

#endif
