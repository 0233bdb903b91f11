/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * watch.c - close TCP connections that never send their option negotiation
 * SYNOPSIS
 *	void mlt_watch_start(unsigned port);
 *	void mlt_watch_stop(void);
 * DESCRIPTION
 *	libmilter accepts every connection itself and shows us none until its first
 *	command is read, so a client that connects and sends nothing holds a
 *	descriptor unseen by the callbacks. libmilter's own limit is MilterTimeout
 *	(smfi_settimeout): in the worker-pool build of Debian it bounds each read
 *	of a command, and its pool controller closes sessions idle for longer,
 *	connections that never sent a byte included, but it looks for them only every
 *	600 s (DT_CHECK_OLD_SESSIONS in libmilter/worker.c). With 1024 descriptors a
 *	local user could hold them all for up to 15 minutes; at EMFILE libmilter's
 *	accept loop retries without a word (listener.c), and new MTA sessions wait
 *	in the listen queue until the MTA gives up.
 *
 *	Once a second this thread looks at our descriptors (/proc/self/fd) for TCP
 *	connections accepted on the milter port: a connection that has received
 *	fewer bytes than one whole option negotiation (17) and is older than
 *	HandshakeTimeout is shut down (an MTA sends it at once). While the
 *	connections on the port are at least MaxSessions, the limit is 1 s. The
 *	kernel tells both facts per socket (TCP_INFO: tcpi_bytes_received, and
 *	tcpi_last_data_recv, which counts from the handshake while nothing came).
 *	UNIX sockets have no such counters; their SocketMode decides who may connect.
 *
 *	Race-free on a descriptor libmilter owns: the check and shutdown() act on a
 *	duplicate in a slot of our own (dup3 over it, atomically), never on the number
 *	libmilter may close and reuse meanwhile; whatever socket the duplicate holds
 *	is the one checked again and shut down. shutdown(), not close(): libmilter
 *	keeps its descriptor, reads end-of-file, ends the session (xxfi_close) and
 *	closes it itself. Our slot and the open /proc/self/fd directory (read
 *	again after rewinddir) are taken at start, so the watch works when the
 *	process is out of descriptors, which is when it matters.
 *	The same thread has callbacks.c log the refusals it counted (MaxSessions)
 *	and not logged yet, once a second, for UNIX sockets too.
 * DIAGNOSTICS
 *	One log line per scan that closed anything: how many, why, one peer.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "milter.h"

#define OPTNEG_BYTES	17		/* length word + 'O' + three 32-bit words */
#define PRESSURE_MS	1000		/* the limit while MaxSessions are open */
#define MAX_CANDIDATES	4096		/* silent connections looked at per scan */

/* candidate - a silent connection found in a scan */
struct candidate {
	int fd;
	unsigned age_ms;
};

static pthread_t watcher;
static bool watching;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static bool watch_quit;			/* under watch_lock */
static unsigned watch_port;
static int slot_null = -1;		/* /dev/null, to empty slot_dup with */
static int slot_dup = -1;		/* our slot for the duplicate */
static struct candidate cands[MAX_CANDIDATES];	/* the watch thread's */
static DIR *fd_dir;			/* /proc/self/fd, open for good */


/* session_port - the local port of an accepted TCP socket, or 0 */
static unsigned
session_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int on = 0;
	socklen_t ol = sizeof on;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) != 0 || on ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* silent_ms - how long a connection has sent less than an option negotiation
   (ms), or -1: it sent one, or the kernel does not say */
static long
silent_ms(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) +
	    sizeof ti.tcpi_bytes_received)
		return -1;
	if (ti.tcpi_bytes_received >= OPTNEG_BYTES)
		return -1;
	return (long)ti.tcpi_last_data_recv;
}

/* peer_text - the peer address of fd, for the log */
static void
peer_text(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
			port = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
			port = ntohs(s6->sin6_port);
		}
	}
	snprintf(out, len, "%s port %u", a, port);
}

/* shut_if_silent - check fd again through our slot and shut it down; true if done */
static bool
shut_if_silent(int fd, long limit_ms, char *peer, size_t peerlen)
{
	long ms;
	bool done = false;

	if (dup3(fd, slot_dup, O_CLOEXEC) < 0)
		return false;
	if (session_port(slot_dup) == watch_port &&
	    (ms = silent_ms(slot_dup)) >= 0 && ms >= limit_ms &&
	    shutdown(slot_dup, SHUT_RDWR) == 0) {
		if (peer[0] == '\0')
			peer_text(slot_dup, peer, peerlen);
		done = true;
	}
	(void)dup3(slot_null, slot_dup, O_CLOEXEC);
	return done;
}

/* scan - one look at our descriptors; shuts down the silent connections */
static void
scan(unsigned timeout_s, struct candidate *cand)
{
	DIR *d = fd_dir;
	struct dirent *de;
	unsigned open_n = 0, ncand = 0, closed = 0, cap;
	long limit_ms;
	char peer[INET6_ADDRSTRLEN + 16] = "";

	rewinddir(d);			/* a fresh listing */
	while ((de = readdir(d)) != NULL) {
		int fd;
		long ms;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d) || fd == slot_dup || fd == slot_null ||
		    session_port(fd) != watch_port)
			continue;
		open_n++;
		if ((ms = silent_ms(fd)) >= PRESSURE_MS && ncand < MAX_CANDIDATES) {
			cand[ncand].fd = fd;
			cand[ncand].age_ms = (unsigned)ms;
			ncand++;
		}
	}
	cap = mlt_session_cap();
	limit_ms = open_n >= cap ? PRESSURE_MS : (long)timeout_s * 1000;
	for (unsigned i = 0; i < ncand; i++)
		if (cand[i].age_ms >= limit_ms &&
		    shut_if_silent(cand[i].fd, limit_ms, peer, sizeof peer))
			closed++;
	if (closed > 0)
		log_msg(LOG_WARNING, "closed %u milter connection%s that sent no option "
		    "negotiation within %ld s (HandshakeTimeout%s; %u open on port %u; "
		    "one from %s)", closed, closed == 1 ? "" : "s", limit_ms / 1000,
		    limit_ms == PRESSURE_MS && timeout_s != 1 ?
		    ", shortened at MaxSessions" : "", open_n, watch_port, peer);
}

/* watch_main - the thread: a scan a second, until mlt_watch_stop */
static void *
watch_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&watch_lock);
	for (;;) {
		struct timespec until;
		struct engine *e;
		unsigned t;
		int rc = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!watch_quit && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&watch_cond, &watch_lock, &until);
		if (watch_quit)
			break;
		pthread_mutex_unlock(&watch_lock);
		mlt_refusals_flush();
		if (watch_port != 0) {
			e = mlt_engine_acquire();
			t = e != NULL ? engine_config(e)->handshake_timeout : 0;
			engine_unref(e);
			if (t > 0)
				scan(t, cands);
		}
		pthread_mutex_lock(&watch_lock);
	}
	pthread_mutex_unlock(&watch_lock);
	return NULL;
}

/* watch_setup - the descriptors the scans need, taken now; 0 ok, -1 logged */
static int
watch_setup(void)
{
	slot_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	slot_dup = slot_null >= 0 ? fcntl(slot_null, F_DUPFD_CLOEXEC, 0) : -1;
	fd_dir = slot_dup >= 0 ? opendir("/proc/self/fd") : NULL;
	if (fd_dir == NULL) {
		log_msg(LOG_WARNING, "HandshakeTimeout not enforced: %s",
		    strerror(errno));
		if (slot_dup >= 0)
			close(slot_dup);
		if (slot_null >= 0)
			close(slot_null);
		slot_null = slot_dup = -1;
		return -1;
	}
	return 0;
}

/* mlt_watch_start - the thread; watch the TCP port (0: only flush the refusals) */
void
mlt_watch_start(unsigned port)
{
	int rc;

	if (port != 0 && watch_setup() != 0)
		port = 0;
	watch_port = port;
	if ((rc = pthread_create(&watcher, NULL, watch_main, NULL)) != 0) {
		log_msg(LOG_WARNING, "HandshakeTimeout not enforced: "
		    "pthread_create: %s", strerror(rc));
		return;
	}
	watching = true;
}

/* mlt_watch_stop - end the thread (no cancellation: it finishes its scan) */
void
mlt_watch_stop(void)
{
	if (!watching)
		return;
	pthread_mutex_lock(&watch_lock);
	watch_quit = true;
	pthread_cond_signal(&watch_cond);
	pthread_mutex_unlock(&watch_lock);
	pthread_join(watcher, NULL);
	watching = false;
}
