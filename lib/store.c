/*
 * store.c - SQL over SQLite (embedded) or PostgreSQL (libpq), see store.h
 *
 * Only what the DMARC history needs: text parameters, results as text. SQLite is
 * opened with the full-mutex flag off (one thread per handle is our rule) and the
 * WAL journal, so the report tool can read while the milter's writer appends.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"
#include "util.h"

#define BUSY_TIMEOUT_MS	5000
#define CONNECT_TIMEOUT_S 10	/* PostgreSQL, unless the connection string sets one */

struct store {
	enum store_kind kind;
	sqlite3 *db;
	PGconn *pg;
};

struct store_rows {
	size_t nrows, ncols;
	char **cell;			/* nrows * ncols, NULL = SQL NULL */
};

/* store_open - open an SQLite file or connect to PostgreSQL */
struct store *
store_open(enum store_kind kind, const char *target, struct buf *err)
{
	struct store *st;

	if (target == NULL || target[0] == '\0') {
		buf_adds(err, "store: no database given");
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->kind = kind;
	switch (kind) {
	case STORE_SQLITE:
		if (sqlite3_open_v2(target, &st->db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			buf_printf(err, "sqlite %s: %s", target, st->db != NULL ?
			    sqlite3_errmsg(st->db) : "cannot open");
			store_close(st);
			return NULL;
		}
		sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
		if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL,
		    NULL) != SQLITE_OK) {
			buf_printf(err, "sqlite %s: %s", target, sqlite3_errmsg(st->db));
			store_close(st);
			return NULL;
		}
		return st;
	case STORE_POSTGRESQL: {
		/* never wait forever for a server that does not answer */
		struct buf ci;

		buf_init(&ci);
		buf_adds(&ci, target);
		if (strstr(target, "connect_timeout") == NULL &&
		    strncmp(target, "postgres", 8) != 0)
			buf_printf(&ci, " connect_timeout=%d", CONNECT_TIMEOUT_S);
		st->pg = PQconnectdb(buf_str(&ci));
		buf_free(&ci);
	}
		if (st->pg == NULL || PQstatus(st->pg) != CONNECTION_OK) {
			struct buf m;

			buf_init(&m);
			str_sanitize(&m, st->pg != NULL ? PQerrorMessage(st->pg) :
			    "out of memory", 400);
			buf_printf(err, "postgresql: %s", buf_str(&m));
			buf_free(&m);
			store_close(st);
			return NULL;
		}
		/* no NOTICE lines on stderr (CREATE TABLE IF NOT EXISTS says one) */
		PQsetNoticeProcessor(st->pg, NULL, NULL);
		return st;
	case STORE_NONE:
		break;
	}
	buf_adds(err, "store: no store kind");
	free(st);
	return NULL;
}

/* store_close - close the database; NULL is a no-op */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL)
		sqlite3_close(st->db);
	if (st->pg != NULL)
		PQfinish(st->pg);
	free(st);
}

enum store_kind
store_kind(const struct store *st)
{
	return st->kind;
}

/* rows_new - an empty result of ncols columns */
static struct store_rows *
rows_new(size_t ncols)
{
	struct store_rows *r = xcalloc(1, sizeof *r);

	r->ncols = ncols;
	return r;
}

/* rows_add - append one row (values copied) */
static void
rows_add(struct store_rows *r, const char *const *vals)
{
	r->cell = xreallocarray(r->cell, (r->nrows + 1) * (r->ncols ? r->ncols : 1),
	    sizeof *r->cell);
	for (size_t c = 0; c < r->ncols; c++)
		r->cell[r->nrows * r->ncols + c] = vals[c] != NULL ? xstrdup(vals[c]) : NULL;
	r->nrows++;
}

/* exec_sqlite - prepare, bind, step through every statement result */
static int
exec_sqlite(struct store *st, const char *sql, const char *const *params,
    size_t nparams, struct store_rows **rows, struct buf *err)
{
	sqlite3_stmt *stmt = NULL;
	const char **vals = NULL;
	int rc, ncols;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		buf_printf(err, "sqlite: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	for (size_t i = 0; i < nparams; i++) {
		rc = params[i] != NULL ?
		    sqlite3_bind_text(stmt, (int)i + 1, params[i], -1, SQLITE_TRANSIENT) :
		    sqlite3_bind_null(stmt, (int)i + 1);
		if (rc != SQLITE_OK) {
			buf_printf(err, "sqlite: %s", sqlite3_errmsg(st->db));
			sqlite3_finalize(stmt);
			return -1;
		}
	}
	ncols = sqlite3_column_count(stmt);
	if (rows != NULL) {
		*rows = rows_new((size_t)ncols);
		vals = xcalloc((size_t)ncols + 1, sizeof *vals);
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (rows == NULL)
			continue;
		for (int c = 0; c < ncols; c++)
			vals[c] = (const char *)sqlite3_column_text(stmt, c);
		rows_add(*rows, vals);
	}
	free(vals);
	if (rc != SQLITE_DONE) {
		buf_printf(err, "sqlite: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		if (rows != NULL) {
			store_rows_free(*rows);
			*rows = NULL;
		}
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}

/* pg_sql - "?" placeholders outside quotes become $1, $2, ... */
static char *
pg_sql(const char *sql)
{
	struct buf b;
	unsigned n = 0;
	char quote = 0;

	buf_init(&b);
	for (const char *p = sql; *p != '\0'; p++) {
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
			buf_addc(&b, *p);
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			buf_addc(&b, *p);
		} else if (*p == '?') {
			buf_printf(&b, "$%u", ++n);
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_steal(&b);
}

/* exec_pg - PQexecParams with text parameters and text results */
static int
exec_pg(struct store *st, const char *sql, const char *const *params,
    size_t nparams, struct store_rows **rows, struct buf *err)
{
	char *q = pg_sql(sql);
	PGresult *res;
	ExecStatusType status;
	int ncols, nrows;

	res = PQexecParams(st->pg, q, (int)nparams, NULL, (const char *const *)params,
	    NULL, NULL, 0);
	free(q);
	status = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		struct buf m;

		buf_init(&m);
		str_sanitize(&m, PQerrorMessage(st->pg), 400);
		buf_printf(err, "postgresql: %s", buf_str(&m));
		buf_free(&m);
		PQclear(res);
		return -1;
	}
	if (rows != NULL) {
		const char **vals;

		ncols = PQnfields(res);
		nrows = PQntuples(res);
		*rows = rows_new((size_t)ncols);
		vals = xcalloc((size_t)ncols + 1, sizeof *vals);
		for (int r = 0; r < nrows; r++) {
			for (int c = 0; c < ncols; c++)
				vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
			rows_add(*rows, vals);
		}
		free(vals);
	}
	PQclear(res);
	return 0;
}

/* store_exec - run one statement, see store.h */
int
store_exec(struct store *st, const char *sql, const char *const *params,
    size_t nparams, struct store_rows **rows, struct buf *err)
{
	if (rows != NULL)
		*rows = NULL;
	if (st->kind == STORE_SQLITE)
		return exec_sqlite(st, sql, params, nparams, rows, err);
	/* a connection that broke (server restart) is tried once more */
	if (PQstatus(st->pg) != CONNECTION_OK)
		PQreset(st->pg);
	return exec_pg(st, sql, params, nparams, rows, err);
}

size_t
store_nrows(const struct store_rows *r)
{
	return r != NULL ? r->nrows : 0;
}

size_t
store_ncols(const struct store_rows *r)
{
	return r != NULL ? r->ncols : 0;
}

/* store_value - one cell as text (borrowed until store_rows_free), NULL for SQL NULL */
const char *
store_value(const struct store_rows *r, size_t row, size_t col)
{
	if (r == NULL || row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cell[row * r->ncols + col];
}

/* store_rows_free - release a result; NULL is a no-op */
void
store_rows_free(struct store_rows *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cell[i]);
	free(r->cell);
	free(r);
}
