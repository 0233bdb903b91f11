/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.c - SQL over SQLite (embedded) or PostgreSQL (libpq), see store.h
 *
 * Only what the DMARC history needs: text parameters, results as text. SQLite is
 * opened with the full-mutex flag off (one thread per handle is our rule) and the
 * WAL journal, so the report tool can read while the milter's writer appends.
 *
 * libpq is loaded with dlopen() when a PostgreSQL store is first opened, not
 * linked: it brings Kerberos, LDAP and GnuTLS with it (18 more shared objects,
 * about 4 MB more resident memory in every milter process), which a host
 * without a PostgreSQL store should not carry. Only its header is used at build
 * time; the library is libpq.so.5 (Debian package libpq5), or the file named by
 * the environment variable MAILAUTH_LIBPQ.
 */
#include "autoconf.h"

#include <dlfcn.h>
#include <pthread.h>
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

/* the libpq functions we use, resolved once by pq_load */
static struct {
	PGconn *(*connectdb)(const char *);
	ConnStatusType (*status)(const PGconn *);
	char *(*errormessage)(const PGconn *);
	PQnoticeProcessor (*setnoticeprocessor)(PGconn *, PQnoticeProcessor, void *);
	void (*finish)(PGconn *);
	void (*reset)(PGconn *);
	PGresult *(*execparams)(PGconn *, const char *, int, const Oid *,
	    const char *const *, const int *, const int *, int);
	ExecStatusType (*resultstatus)(const PGresult *);
	void (*clear)(PGresult *);
	int (*nfields)(const PGresult *);
	int (*ntuples)(const PGresult *);
	int (*getisnull)(const PGresult *, int, int);
	char *(*getvalue)(const PGresult *, int, int);
} pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_error[512];		/* "" once pq is usable */

/* pq_sym - one symbol of the loaded libpq, or NULL (pq_error says which) */
static void *
pq_sym(void *h, const char *name)
{
	void *f = dlsym(h, name);

	if (f == NULL && pq_error[0] == '\0')
		snprintf(pq_error, sizeof pq_error, "libpq has no %s", name);
	return f;
}

/* pq_load - dlopen libpq and resolve every function (once per process) */
static void
pq_load(void)
{
	const char *lib = getenv("MAILAUTH_LIBPQ");
	void *h;

	if (lib == NULL || lib[0] == '\0')
		lib = "libpq.so.5";
	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(pq_error, sizeof pq_error, "cannot load %s (install the "
		    "Debian package libpq5): %s", lib, dlerror());
		return;
	}
	pq_error[0] = '\0';
	pq.connectdb = (PGconn *(*)(const char *))pq_sym(h, "PQconnectdb");
	pq.status = (ConnStatusType (*)(const PGconn *))pq_sym(h, "PQstatus");
	pq.errormessage = (char *(*)(const PGconn *))pq_sym(h, "PQerrorMessage");
	pq.setnoticeprocessor = (PQnoticeProcessor (*)(PGconn *, PQnoticeProcessor,
	    void *))pq_sym(h, "PQsetNoticeProcessor");
	pq.finish = (void (*)(PGconn *))pq_sym(h, "PQfinish");
	pq.reset = (void (*)(PGconn *))pq_sym(h, "PQreset");
	pq.execparams = (PGresult *(*)(PGconn *, const char *, int, const Oid *,
	    const char *const *, const int *, const int *, int))pq_sym(h, "PQexecParams");
	pq.resultstatus = (ExecStatusType (*)(const PGresult *))pq_sym(h,
	    "PQresultStatus");
	pq.clear = (void (*)(PGresult *))pq_sym(h, "PQclear");
	pq.nfields = (int (*)(const PGresult *))pq_sym(h, "PQnfields");
	pq.ntuples = (int (*)(const PGresult *))pq_sym(h, "PQntuples");
	pq.getisnull = (int (*)(const PGresult *, int, int))pq_sym(h, "PQgetisnull");
	pq.getvalue = (char *(*)(const PGresult *, int, int))pq_sym(h, "PQgetvalue");
}

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

		pthread_once(&pq_once, pq_load);
		if (pq_error[0] != '\0') {
			buf_printf(err, "postgresql: %s", pq_error);
			free(st);
			return NULL;
		}
		buf_init(&ci);
		buf_adds(&ci, target);
		if (strstr(target, "connect_timeout") == NULL &&
		    strncmp(target, "postgres", 8) != 0)
			buf_printf(&ci, " connect_timeout=%d", CONNECT_TIMEOUT_S);
		st->pg = pq.connectdb(buf_str(&ci));
		buf_free(&ci);
	}
		if (st->pg == NULL || pq.status(st->pg) != CONNECTION_OK) {
			struct buf m;

			buf_init(&m);
			str_sanitize(&m, st->pg != NULL ? pq.errormessage(st->pg) :
			    "out of memory", 400);
			buf_printf(err, "postgresql: %s", buf_str(&m));
			buf_free(&m);
			store_close(st);
			return NULL;
		}
		/* no NOTICE lines on stderr (CREATE TABLE IF NOT EXISTS says one) */
		pq.setnoticeprocessor(st->pg, NULL, NULL);
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
		pq.finish(st->pg);
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

	res = pq.execparams(st->pg, q, (int)nparams, NULL, (const char *const *)params,
	    NULL, NULL, 0);
	free(q);
	status = res != NULL ? pq.resultstatus(res) : PGRES_FATAL_ERROR;
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		struct buf m;

		buf_init(&m);
		str_sanitize(&m, pq.errormessage(st->pg), 400);
		buf_printf(err, "postgresql: %s", buf_str(&m));
		buf_free(&m);
		pq.clear(res);
		return -1;
	}
	if (rows != NULL) {
		const char **vals;

		ncols = pq.nfields(res);
		nrows = pq.ntuples(res);
		*rows = rows_new((size_t)ncols);
		vals = xcalloc((size_t)ncols + 1, sizeof *vals);
		for (int r = 0; r < nrows; r++) {
			for (int c = 0; c < ncols; c++)
				vals[c] = pq.getisnull(res, r, c) ? NULL : pq.getvalue(res, r, c);
			rows_add(*rows, vals);
		}
		free(vals);
	}
	pq.clear(res);
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
	if (pq.status(st->pg) != CONNECTION_OK)
		pq.reset(st->pg);
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
