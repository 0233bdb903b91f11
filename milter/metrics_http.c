/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics_http.c - the MetricsSocket listener: GET /metrics in the Prometheus text
 *	format, served by libmicrohttpd off the mail path
 * SYNOPSIS
 *	int metrics_http_bind(const char *spec);
 *	int metrics_http_start(int fd, struct history *h);
 *	void metrics_http_stop(void);
 * DESCRIPTION
 *	metrics_http_bind() opens, binds and listens on an inet:/inet6: specification
 *	(lib/sockspec.c syntax) and returns the descriptor, or -1 (logged). main()
 *	calls it before the privilege drop, so a port below 1024 works as for the
 *	milter socket; metrics_http_start() then hands the descriptor to libmicrohttpd
 *	after the drop, so no request is ever parsed with root's privileges.
 *
 *	libmicrohttpd runs one internal thread (epoll) for all scrapers: a slow or
 *	silent client holds a connection slot, never a thread, and loses it after
 *	METRICS_TIMEOUT_S of inactivity; at most METRICS_CONNECTIONS at once (more are
 *	closed on accept), METRICS_PER_IP of them from one address. The handler only
 *	reads atomic counters (lib/metrics.c) and the history writer's statistics
 *	(a short mutex the mail path also takes only for a queue append): nothing a
 *	scraper does can make a milter thread wait. GET /metrics answers 200
 *	"text/plain; version=0.0.4"; any other path is 404, any other method 405.
 *	libmicrohttpd's own messages (refused connections, bad requests) are logged
 *	at most once a minute. If the listener cannot start after the drop, that is
 *	logged and mail goes on without metrics.
 *	Without libmicrohttpd at build time (configure says so) metrics_http_bind
 *	refuses a configured MetricsSocket and the daemon does not start.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_MICROHTTPD
#include <microhttpd.h>
#endif

#include "history.h"
#include "log.h"
#include "metrics.h"
#include "milter.h"
#include "sockspec.h"
#include "util.h"

#define METRICS_CONNECTIONS	8	/* scrapers connected at once */
#define METRICS_PER_IP		4	/* ... of them from one address */
#define METRICS_TIMEOUT_S	5	/* idle seconds before a connection is closed */
#define METRICS_BACKLOG		16
#define METRICS_LOG_SECS	60	/* libmicrohttpd messages: one per minute */

/* metrics_http_bind - a listening socket for spec; descriptor or -1 (logged) */
int
metrics_http_bind(const char *spec)
{
	struct sockspec ss;
	struct addrinfo hints, *res = NULL;
	struct buf err;
	char port[8];
	int fd = -1, one = 1, rc;

	buf_init(&err);
	if (sockspec_parse(spec, &ss, &err) != 0 || ss.family == SOCK_UNIX) {
		log_msg(LOG_ERR, "MetricsSocket %s: %s", spec, err.len > 0 ?
		    buf_str(&err) : "only inet: and inet6: are supported");
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
#ifndef HAVE_MICROHTTPD
	log_msg(LOG_ERR, "MetricsSocket %s: this mailauth was built without "
	    "libmicrohttpd (no metrics listener)", spec);
	return -1;
#endif
	memset(&hints, 0, sizeof hints);
	hints.ai_family = ss.family == SOCK_INET6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	snprintf(port, sizeof port, "%u", ss.port);
	if ((rc = getaddrinfo(ss.addr[0] != '\0' ? ss.addr : NULL, port, &hints,
	    &res)) != 0) {
		log_msg(LOG_ERR, "MetricsSocket %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_msg(LOG_ERR, "MetricsSocket %s: socket: %s", spec, strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (res->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, METRICS_BACKLOG) != 0) {
		log_msg(LOG_ERR, "cannot listen on MetricsSocket %s: %s", spec,
		    strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

#ifdef HAVE_MICROHTTPD
static struct MHD_Daemon *mhd;
static struct history *mhd_history;

/* reply - queue a static or rendered body with a status */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
    const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* handle - one request: GET /metrics, else 404 or 405 */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **state)
{
	struct history_stats hs;
	struct buf b;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    xstrdup("only GET /metrics\n"), 18, "text/plain");
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, xstrdup("not found: try "
		    "/metrics\n"), 23, "text/plain");
	*upload_len = 0;	/* a GET body is ignored */
	buf_init(&b);
	if (mhd_history != NULL)
		history_get_stats(mhd_history, &hs);
	metrics_render(&b, mhd_history != NULL ? &hs : NULL);
	{
		size_t len = b.len;

		return reply(c, MHD_HTTP_OK, buf_steal(&b), len,
		    "text/plain; version=0.0.4; charset=utf-8");
	}
}

/* mhd_log - libmicrohttpd's messages into our log, at most one per
 * METRICS_LOG_SECS (a client opening connections must not flood the log); only
 * libmicrohttpd's one thread calls it once started */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	static time_t last;
	static unsigned long skipped;
	char line[512];
	time_t now = time(NULL);

	if (last != 0 && now - last < METRICS_LOG_SECS) {
		skipped++;
		return;
	}
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (skipped > 0)
		log_msg(LOG_WARNING, "metrics listener: %s (%lu more messages in the "
		    "last %d s not logged)", line, skipped, METRICS_LOG_SECS);
	else
		log_msg(LOG_WARNING, "metrics listener: %s", line);
	last = now;
	skipped = 0;
}
#endif

/* metrics_http_start - serve the bound descriptor; 0, or -1 (logged, fd closed) */
int
metrics_http_start(int fd, struct history *h)
{
#ifdef HAVE_MICROHTTPD
	mhd_history = h;
	mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, handle, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
	    MHD_OPTION_END);
	if (mhd == NULL) {
		log_msg(LOG_ERR, "cannot start the metrics listener");
		close(fd);
		return -1;
	}
	return 0;
#else
	close(fd);
	return -1;
#endif
}

/* metrics_http_stop - stop serving (waits for the listener's thread) */
void
metrics_http_stop(void)
{
#ifdef HAVE_MICROHTTPD
	if (mhd != NULL)
		MHD_stop_daemon(mhd);
	mhd = NULL;
#endif
}
