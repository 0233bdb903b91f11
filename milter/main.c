/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - mailauth, the SPF/DKIM/DMARC milter daemon
 * SYNOPSIS
 *	mailauth [-fnhV] [-c file] [-p socket] [-u user] [-P pidfile]
 * DESCRIPTION
 *	Start-up, in this order: load the configuration (file:line errors, exit
 *	EX_CONFIG), check the Socket specification, open the log (syslog with the
 *	configured facility; stderr with -f), build the engine, look up UserID, take
 *	the pid file (pidfile.c: never through a symbolic link; a second instance is
 *	refused), open the listening socket through libmilter (retried for about
 *	3 s: a previous instance may still be shutting down; a TCP one gets
 *	TCP_NODELAY, inherited by accepted connections), write the pid file, bind the
 *	MetricsSocket if set (metrics_http.c; served once privileges are gone), drop
 *	privileges to UserID when started as root, then smfi_main(). A UNIX socket is
 *	made by unix_listen() acting as UserID, with SocketMode set through the umask:
 *	it never touches the path once it exists (no chmod/chown by path as root);
 *	before the bind a stale socket is removed (only a socket nobody answers on;
 *	never another kind of file).
 *	The daemon never forks: under systemd (Type=simple) or by hand it stays in the
 *	foreground; without -f it logs to syslog only.
 *
 *	Signals: libmilter owns SIGHUP, SIGTERM and SIGINT (all mean "stop": smfi_main
 *	returns, the engine is released, the pid file removed, exit 0). SIGUSR1 reloads
 *	the same configuration file in a thread of ours that sigwait()s for it: on error
 *	every problem is logged and the running configuration stays; on success a new
 *	engine replaces the current one under a mutex. Connections keep the engine
 *	they pinned at connect, so messages in flight finish under the old one.
 *	Settings used only at start-up (Socket, UserID, PidFile, SyslogFacility,
 *	MilterTimeout, MetricsSocket) need a restart; a reload that changes them
 *	says so. Each configuration put in force counts in mailauth_config_generation.
 *
 *	-n checks a configuration: it loads the file, checks Socket and builds the
 *	engine without any network traffic, prints every problem to stderr as
 *	"FILE:LINE: message" and exits 0 (good) or 1 (bad).
 * DIAGNOSTICS
 *	Exit status 0 after a clean stop, 1 when the socket or pid file cannot be
 *	had or the engine cannot be built, EX_CONFIG (78) for a bad configuration,
 *	EX_USAGE (64) for bad options, EX_OSERR (71) when privileges cannot be dropped.
 */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "history.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "milter.h"
#include "pidfile.h"
#include "sockspec.h"
#include "util.h"

#define BIND_TRIES	7		/* smfi_opensocket attempts ... */
#define BIND_PAUSE_MS	500		/* ... this far apart (about 3 s in all) */

/* the engine in force: set before smfi_main, swapped only by the reload thread */
static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct engine *engine_current;
static struct history *history_writer;	/* NULL: HistoryStore none */

/* what the reload thread needs; written once before threads start */
struct reload_args {
	const char *path;
};

/* mlt_engine_acquire - the current engine, referenced */
struct engine *
mlt_engine_acquire(void)
{
	struct engine *e;

	pthread_mutex_lock(&engine_lock);
	e = engine_current != NULL ? engine_ref(engine_current) : NULL;
	pthread_mutex_unlock(&engine_lock);
	return e;
}

/* mlt_history_submit - hand a DMARC report row to the writer (ownership passes) */
void
mlt_history_submit(struct hist_row *row)
{
	history_submit(history_writer, row);
}

/* engine_swap - install e as the current engine; returns the previous one */
static struct engine *
engine_swap(struct engine *e)
{
	struct engine *old;

	pthread_mutex_lock(&engine_lock);
	old = engine_current;
	engine_current = e;
	pthread_mutex_unlock(&engine_lock);
	return old;
}

/* usage - the synopsis on stderr, then exit */
static void NORETURN
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: mailauth [-fnhV] [-c file] [-p socket] [-u user] [-P pidfile]\n"
	    "  -c file     configuration file (default %s/mailauth.conf)\n"
	    "  -f          log to stderr instead of syslog\n"
	    "  -n          check the configuration and exit (0 good, 1 bad)\n"
	    "  -p socket   listen here instead of Socket (inet:PORT@ADDR, unix:PATH)\n"
	    "  -u user     drop privileges to this user instead of UserID\n"
	    "  -P pidfile  pid file instead of PidFile (\"\" for none)\n"
	    "  -V          print the version and exit\n"
	    "  -h          this help\n", SYSCONFDIR);
	exit(status);
}

/* print_lines - each line of text to stderr, prefixed unless it starts with
 * the configuration file's name already (FILE:LINE: from cfg_blame) */
static void
print_lines(const char *text, const char *prefix)
{
	const char *p = text;
	size_t pl = strlen(prefix);

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		bool named = pl > 2 && strncmp(p, prefix, pl - 2) == 0 && p[pl - 2] == ':';

		if (n > 0)
			fprintf(stderr, "%s%.*s\n", named ? "" : prefix, (int)n, p);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* log_lines - each line of text to the log at pri */
static void
log_lines(int pri, const char *text, const char *prefix)
{
	const char *p = text;

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (n > 0)
			log_msg(pri, "%s%.*s", prefix, (int)n, p);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* milter_spec - the libmilter form of a parsed socket specification */
static void
milter_spec(const struct sockspec *ss, char *out, size_t len)
{
	switch (ss->family) {
	case SOCK_UNIX:
		snprintf(out, len, "unix:%s", ss->path);
		break;
	case SOCK_INET6:
		if (ss->addr[0] != '\0')
			snprintf(out, len, "inet6:%u@%s", ss->port, ss->addr);
		else
			snprintf(out, len, "inet6:%u", ss->port);
		break;
	case SOCK_INET:
	default:
		if (ss->addr[0] != '\0')
			snprintf(out, len, "inet:%u@%s", ss->port, ss->addr);
		else
			snprintf(out, len, "inet:%u", ss->port);
		break;
	}
}

/* unix_socket_clear - remove a stale UNIX socket; 0 ok, -1 (logged) refuse */
static int
unix_socket_clear(const char *path, const char *spec)
{
	struct stat st;
	struct sockaddr_un sun;
	int fd, rc;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		log_msg(LOG_ERR, "cannot examine %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_msg(LOG_ERR, "cannot listen on %s: %s exists and is not a socket "
		    "(not removing it)", spec, path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >= sizeof sun.sun_path) {
		log_msg(LOG_ERR, "socket path too long: %s", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		log_msg(LOG_ERR, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	close(fd);
	if (rc == 0) {
		log_msg(LOG_ERR, "cannot listen on %s: another process answers on %s",
		    spec, path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		log_msg(LOG_ERR, "cannot listen on %s: %s: %s (not removing it)", spec,
		    path, strerror(errno));
		return -1;
	}
	if (unlink(path) != 0) {
		log_msg(LOG_ERR, "cannot remove the stale socket %s: %s", path,
		    strerror(errno));
		return -1;
	}
	log_msg(LOG_INFO, "removed the stale socket %s", path);
	return 0;
}

/*
 * listener_nodelay - TCP_NODELAY on our listening TCP socket(s), inherited by the
 * accepted ones (Linux). libmilter neither sets it nor shows its descriptor, so look
 * for listening TCP sockets among our descriptors. Without it the second small reply
 * of a step (e.g. an insheader then continue at end of message) waits for the
 * MTA's delayed ACK: about 40 ms per message (bench/run.sh showed it).
 */
static void
listener_nodelay(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name), on = 0, one = 1;
		struct sockaddr_storage ss;
		socklen_t ol = sizeof on, sl = sizeof ss;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) != 0 || !on ||
		    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
			log_msg(LOG_WARNING, "TCP_NODELAY on the listening socket: %s",
			    strerror(errno));
	}
	closedir(d);
}

/* test_bind_pause - tests: MAILAUTH_TEST_BIND_PAUSE=MS waits that long after the
   bind, so that t/daemon_test.sh can swap the socket path as an attacker would */
static void
test_bind_pause(void)
{
	const char *v = getenv("MAILAUTH_TEST_BIND_PAUSE");
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;
	struct timespec ts;

	if (ms <= 0 || ms > 10000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* open_listener - smfi_setconn/register/settimeout/opensocket, with retries */
static int
open_listener(char *spec, unsigned timeout)
{
	struct smfiDesc desc = mlt_descriptor();
	struct timespec pause = { 0, BIND_PAUSE_MS * 1000000L };

	if (smfi_setconn(spec) != MI_SUCCESS) {
		log_msg(LOG_ERR, "smfi_setconn(%s) failed", spec);
		return -1;
	}
	if (smfi_register(desc) != MI_SUCCESS) {
		log_msg(LOG_ERR, "smfi_register failed");
		return -1;
	}
	if (smfi_settimeout((int)timeout) != MI_SUCCESS) {
		log_msg(LOG_ERR, "smfi_settimeout(%u) failed", timeout);
		return -1;
	}
	/* stale UNIX sockets were removed by us (safely): never let libmilter unlink */
	for (int i = 0; i < BIND_TRIES; i++) {
		if (smfi_opensocket(false) == MI_SUCCESS) {
			listener_nodelay();
			test_bind_pause();
			return 0;
		}
		if (i + 1 < BIND_TRIES)
			nanosleep(&pause, NULL);
	}
	log_msg(LOG_ERR, "cannot listen on %s: address in use?", spec);
	return -1;
}

/* the user to become when started as root */
struct runas {
	bool drop;			/* started as root, UserID is another user */
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* runas_lookup - whether and to whom privileges are dropped; 0 ok, -1 logged */
static int
runas_lookup(const char *user, struct runas *ra)
{
	struct passwd *pw;

	memset(ra, 0, sizeof *ra);
	if (user == NULL || user[0] == '\0')
		return 0;
	pw = getpwnam(user);
	if (geteuid() != 0) {
		if (pw == NULL || pw->pw_uid != geteuid())
			log_msg(LOG_WARNING, "not started as root: staying uid %ld "
			    "(UserID %s ignored)", (long)geteuid(), user);
		return 0;
	}
	if (pw == NULL) {
		log_msg(LOG_ERR, "UserID %s: no such user", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_msg(LOG_WARNING, "UserID %s is root: running with full privileges",
		    user);
		return 0;
	}
	if (strlcpy(ra->name, pw->pw_name, sizeof ra->name) >= sizeof ra->name) {
		log_msg(LOG_ERR, "UserID %s: name too long", user);
		return -1;
	}
	ra->drop = true;
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	return 0;
}

/*
 * runas_assume - act as the user for file-system access (effective ids and
 * groups), keeping root as the saved uid so that runas_resume can come back;
 * 0 ok, -1 logged. glibc applies the change to every thread.
 */
static int
runas_assume(const struct runas *ra)
{
	if (!ra->drop)
		return 0;
	if (initgroups(ra->name, ra->gid) != 0 || setegid(ra->gid) != 0 ||
	    seteuid(ra->uid) != 0) {
		log_msg(LOG_ERR, "cannot act as user %s: %s", ra->name, strerror(errno));
		return -1;
	}
	return 0;
}

/* runas_resume - root again after runas_assume; 0 ok, -1 logged */
static int
runas_resume(const struct runas *ra)
{
	gid_t g = 0;

	if (!ra->drop)
		return 0;
	if (seteuid(0) != 0 || setegid(0) != 0 || setgroups(1, &g) != 0) {
		log_msg(LOG_ERR, "cannot return to root: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* drop_privileges - become the user for good (when root); 0 ok, -1 logged */
static int
drop_privileges(const struct runas *ra)
{
	if (!ra->drop)
		return 0;
	if (initgroups(ra->name, ra->gid) != 0 || setgid(ra->gid) != 0 ||
	    setuid(ra->uid) != 0) {
		log_msg(LOG_ERR, "cannot become user %s: %s", ra->name, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != ra->uid ||
	    geteuid() != ra->uid || getegid() != ra->gid) {
		log_msg(LOG_ERR, "privileges were not dropped to %s", ra->name);
		return -1;
	}
	log_msg(LOG_INFO, "running as user %s (uid %ld)", ra->name, (long)ra->uid);
	return 0;
}

/* unix_dir_hint - say so when the socket's directory is not writable by the user */
static void
unix_dir_hint(const char *path, const char *spec, const char *user)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	char *slash;

	if (strlcpy(dir, path, sizeof dir) >= sizeof dir)
		return;
	if ((slash = strrchr(dir, '/')) == NULL)
		strlcpy(dir, ".", sizeof dir);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
		log_msg(LOG_ERR, "cannot listen on %s: the directory %s must be "
		    "writable by UserID %s (%s)", spec, dir, user, strerror(errno));
}

/*
 * unix_listen - the UNIX socket, created with its final mode and owner; 0 ok,
 * -1 logged. Nothing is ever done to the socket by its path once it exists:
 * chmod() or chown() of the path as root would follow a symbolic link that the
 * owner of the socket directory (UserID, see mailauth.tmpfiles) swapped in
 * after the bind, and make any file of the system theirs. On Linux:
 *  - bind() creates the node with mode 0777 & ~umask (0777 is the mode of a
 *    fresh socket inode), so umask(~SocketMode) before the bind sets the mode
 *    atomically with the creation;
 *  - the node belongs to the file-system uid and gid of the binding process.
 *    fchown() or fchmod() on the socket descriptor after socket() would change
 *    only the socket's own inode, not the node bind() makes, and libmilter does
 *    the socket() and bind() itself anyway. So the bind runs with the effective
 *    ids of UserID (runas_assume), and the directory must be writable by that
 *    user (as it must be anyway for libmilter to remove the socket at exit);
 *  - the stale-socket check before runs as root, which is safe in a directory
 *    that others can write: lstat() refuses anything but a socket, connect()
 *    only probes (a link swapped in makes root knock at another socket and hang
 *    up), and unlink() removes the name, never what a link points to.
 * Afterwards lstat() checks that the path still names a socket of ours: this
 * acts on nothing, it only refuses to start on a directory that someone else
 * is changing under us.
 */
static int
unix_listen(char *spec, const struct sockspec *ss, const struct config *cfg,
    const struct runas *ra)
{
	struct stat st;
	int rc;

	if (unix_socket_clear(ss->path, spec) != 0 || runas_assume(ra) != 0)
		return -1;
	umask((mode_t)(~cfg->socket_mode & 0777));
	rc = open_listener(spec, cfg->milter_timeout);
	umask(0077);
	if (rc != 0 && ra->drop)
		unix_dir_hint(ss->path, spec, ra->name);
	if (rc == 0 && (lstat(ss->path, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    st.st_uid != geteuid())) {
		log_msg(LOG_ERR, "cannot listen on %s: %s was replaced after the bind "
		    "(it is no longer a socket of uid %ld): not starting", spec,
		    ss->path, (long)geteuid());
		rc = -1;
	}
	if (runas_resume(ra) != 0)
		rc = -1;
	return rc;
}

/*
 * sessions_setup - what MaxSessions 0 means: half the descriptors left after
 * 64 for everything else (listener, log, resolver, history store); the other
 * half stays for DNS sockets and connections not negotiated yet (watch.c).
 */
static void
sessions_setup(const struct config *cfg)
{
	struct rlimit rl;
	unsigned long n = 1024;
	unsigned autocap;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = (unsigned long)rl.rlim_cur;
	else if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = 1048576;
	autocap = n > 128 ? (unsigned)((n - 64) / 2 > 1000000 ? 1000000 : (n - 64) / 2) :
	    32;
	mlt_sessions_init(autocap);
	if (cfg->max_sessions > autocap * 2)
		log_msg(LOG_WARNING, "MaxSessions %u: the descriptor limit %lu leaves "
		    "room for about %u (raise LimitNOFILE)", cfg->max_sessions, n,
		    autocap * 2);
	log_msg(LOG_INFO, "at most %u milter sessions at once (MaxSessions %u, "
	    "descriptor limit %lu)", mlt_session_cap(), cfg->max_sessions, n);
}

/* changed - two optional strings differ */
static bool
changed(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") != 0;
}

/* reload - load the file again; install a new engine, or keep the running one */
static void
reload(const char *path)
{
	struct buf err;
	struct config *cfg;
	struct engine *e, *old;

	buf_init(&err);
	log_msg(LOG_INFO, "SIGUSR1: reloading %s", path);
	if ((cfg = cfg_load(path, &err)) == NULL) {
		log_lines(LOG_ERR, buf_str(&err), "reload failed: ");
		log_msg(LOG_ERR, "reload failed: keeping the running configuration");
		metrics_reload_failed();
		buf_free(&err);
		return;
	}
	if ((e = engine_new(cfg, &err)) == NULL) {
		log_lines(LOG_ERR, buf_str(&err), "reload failed: ");
		log_msg(LOG_ERR, "reload failed: keeping the running configuration");
		metrics_reload_failed();
		cfg_unref(cfg);
		buf_free(&err);
		return;
	}
	old = engine_swap(e);
	metrics_config_loaded();
	if (old != NULL &&
	    changed(engine_config(old)->metrics_socket, cfg->metrics_socket))
		log_msg(LOG_WARNING, "MetricsSocket takes effect at the next restart only");
	if (old != NULL) {
		const struct config *oc = engine_config(old);

		if (changed(oc->socket, cfg->socket) || changed(oc->user, cfg->user) ||
		    changed(oc->pidfile, cfg->pidfile) ||
		    oc->syslog_facility != cfg->syslog_facility ||
		    oc->milter_timeout != cfg->milter_timeout ||
		    oc->socket_mode != cfg->socket_mode)
			log_msg(LOG_WARNING, "Socket, SocketMode, UserID, PidFile, "
			    "SyslogFacility and MilterTimeout take effect at the next "
			    "restart only");
		if (oc->history_store != cfg->history_store ||
		    changed(oc->history_file, cfg->history_file) ||
		    changed(oc->history_conninfo, cfg->history_conninfo) ||
		    oc->history_queue != cfg->history_queue)
			log_msg(LOG_WARNING, "HistoryStore, HistoryFile, HistoryConnInfo "
			    "and HistoryQueueSize take effect at the next restart only");
	}
	log_set_level(cfg->log_level);
	log_msg(LOG_INFO, "configuration reloaded from %s", path);
	engine_unref(old);
	cfg_unref(cfg);
	buf_free(&err);
}

/* reload_main - the thread that waits for SIGUSR1 */
static void *
reload_main(void *arg)
{
	const struct reload_args *ra = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		if (sigwait(&set, &sig) != 0)
			continue;
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (sig == SIGUSR1)
			reload(ra->path);
	}
	return NULL;
}

/* check_only - mailauth -n: load, check, build; report on stderr */
static int
check_only(const char *path, const char *sock_override)
{
	struct buf err;
	struct config *cfg;
	struct sockspec ss;
	struct engine *e;
	int bad = 0;

	buf_init(&err);
	if ((cfg = cfg_load(path, &err)) == NULL) {
		print_lines(buf_str(&err), "");
		buf_free(&err);
		return 1;
	}
	buf_reset(&err);
	if (sockspec_parse(sock_override != NULL ? sock_override : cfg->socket, &ss,
	    &err) != 0) {
		fprintf(stderr, "%s: bad Socket \"%s\": %s\n", path,
		    sock_override != NULL ? sock_override : cfg->socket != NULL ?
		    cfg->socket : "", buf_str(&err));
		bad = 1;
	}
	if (cfg->user != NULL && cfg->user[0] != '\0' && getpwnam(cfg->user) == NULL)
		fprintf(stderr, "%s: warning: UserID %s: no such user (needed when "
		    "started as root)\n", path, cfg->user);
	buf_reset(&err);
	if ((e = engine_new(cfg, &err)) == NULL) {
		char prefix[1024];

		snprintf(prefix, sizeof prefix, "%s: ", path);
		if (err.len == 0)
			buf_adds(&err, "cannot build the engine");
		print_lines(buf_str(&err), prefix);
		bad = 1;
	}
	engine_unref(e);
	cfg_unref(cfg);
	buf_free(&err);
	if (!bad)
		printf("%s: configuration OK\n", path);
	return bad;
}

/* main - options, start-up, smfi_main, clean stop */
int
main(int argc, char **argv)
{
	const char *path = SYSCONFDIR "/mailauth.conf";
	const char *sock_override = NULL, *user_override = NULL, *pid_override = NULL;
	bool foreground = false, check = false;
	struct buf err;
	struct config *cfg;
	struct sockspec ss;
	struct engine *e;
	struct runas ra_user;
	int pidfd = -1;
	struct reload_args ra;
	const char *user;
	char *pidfile;
	char spec[512];
	sigset_t set;
	pthread_t reloader;
	pid_t other = 0;
	int ch, rc, metrics_fd = -1;

	while ((ch = getopt(argc, argv, "c:fnp:u:P:Vh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'p':
			sock_override = optarg;
			break;
		case 'u':
			user_override = optarg;
			break;
		case 'P':
			pid_override = optarg;
			break;
		case 'V': {
			unsigned maj = 0, min = 0, pl = 0;

			(void)smfi_version(&maj, &min, &pl);
			printf("mailauth %s (libmilter %u.%u.%u)\n", PACKAGE_VERSION, maj,
			    min, pl);
			return 0;
		}
		case 'h':
			usage(0);
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (check)
		return check_only(path, sock_override);

	/*
	 * Block, before any thread exists (the engine may start resolver threads),
	 * every signal a thread sigwait()s for: SIGUSR1 (our reload thread) and
	 * SIGHUP/SIGTERM/SIGINT (libmilter's signal thread). Otherwise a thread
	 * with an open mask could take SIGTERM with its default action and kill the
	 * daemon without the clean stop. Threads inherit this mask.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/* until the log is open, problems go to stderr */
	buf_init(&err);
	if ((cfg = cfg_load(path, &err)) == NULL) {
		print_lines(buf_str(&err), "");
		fprintf(stderr, "mailauth: %s: configuration refused\n", path);
		buf_free(&err);
		return EX_CONFIG;
	}
	if (sock_override == NULL)
		sock_override = cfg->socket != NULL ? cfg->socket : "";
	if (sockspec_parse(sock_override, &ss, &err) != 0) {
		fprintf(stderr, "mailauth: bad Socket \"%s\": %s\n", sock_override,
		    buf_str(&err));
		cfg_unref(cfg);
		buf_free(&err);
		return EX_CONFIG;
	}
	milter_spec(&ss, spec, sizeof spec);
	user = user_override != NULL ? user_override : cfg->user;
	pidfile = xstrdup(pid_override != NULL ? pid_override :
	    cfg->pidfile != NULL ? cfg->pidfile : "");

	log_open("mailauth", cfg->syslog_facility, foreground);
	log_set_level(cfg->log_level);
	buf_reset(&err);
	if ((e = engine_new(cfg, &err)) == NULL) {
		log_lines(LOG_ERR, err.len > 0 ? buf_str(&err) :
		    "cannot build the engine", "");
		log_msg(LOG_ERR, "%s: cannot build the engine, not starting", path);
		cfg_unref(cfg);
		buf_free(&err);
		free(pidfile);
		return 1;
	}
	engine_swap(e);
	metrics_config_loaded();

	if (runas_lookup(user, &ra_user) != 0) {
		engine_unref(engine_swap(NULL));
		cfg_unref(cfg);
		buf_free(&err);
		free(pidfile);
		return 1;
	}
	if (pidfile[0] != '\0' && (pidfd = pidf_open(pidfile, &other)) < 0) {
		if (errno == EEXIST)
			log_msg(LOG_ERR, "another mailauth (pid %ld) holds %s: not starting",
			    (long)other, pidfile);
		else if (errno == ELOOP)
			log_msg(LOG_ERR, "PidFile %s is a symbolic link: not following it, "
			    "not starting (remove it)", pidfile);
		else if (errno == EINVAL)
			log_msg(LOG_ERR, "PidFile %s is not a plain file with one link: "
			    "not starting", pidfile);
		else
			log_msg(LOG_ERR, "cannot create the pid file %s: %s", pidfile,
			    strerror(errno));
		engine_unref(engine_swap(NULL));
		cfg_unref(cfg);
		buf_free(&err);
		free(pidfile);
		return 1;
	}
	if (ss.family == SOCK_UNIX)
		rc = unix_listen(spec, &ss, cfg, &ra_user);
	else
		rc = open_listener(spec, cfg->milter_timeout);
	if (rc == 0 && pidfd >= 0 && pidf_write(pidfd) != 0) {
		log_msg(LOG_ERR, "cannot write the pid file %s: %s", pidfile,
		    strerror(errno));
		rc = -1;
	}
	/* bound as root (any port), served after the drop (metrics_http.c) */
	if (rc == 0 && cfg->metrics_socket[0] != '\0' &&
	    (metrics_fd = metrics_http_bind(cfg->metrics_socket)) < 0)
		rc = -1;
	if (rc == 0 && drop_privileges(&ra_user) != 0)
		rc = -1;
	if (rc != 0) {
		if (metrics_fd >= 0)
			close(metrics_fd);
		(void)pidf_remove(pidfd, pidfile);
		engine_unref(engine_swap(NULL));
		cfg_unref(cfg);
		buf_free(&err);
		free(pidfile);
		return 1;
	}

	sessions_setup(cfg);
	mlt_watch_start(ss.family != SOCK_UNIX ? ss.port : 0);

	/* after the privilege drop: an SQLite file is created owned by UserID */
	history_writer = history_start(cfg->history_store, cfg_history_target(cfg),
	    cfg->history_queue);
	if (metrics_fd >= 0 && metrics_http_start(metrics_fd, history_writer) == 0)
		log_msg(LOG_INFO, "metrics on %s (GET /metrics)", cfg->metrics_socket);
	ra.path = path;
	if ((rc = pthread_create(&reloader, NULL, reload_main, &ra)) != 0) {
		errno = rc;
		fatal("pthread_create");
	}
	log_msg(LOG_INFO, "mailauth %s listening on %s (config %s)", PACKAGE_VERSION,
	    spec, path);
	cfg_unref(cfg);
	buf_free(&err);

	rc = smfi_main();

	pthread_cancel(reloader);
	pthread_join(reloader, NULL);
	mlt_watch_stop();
	metrics_http_stop();
	history_stop(history_writer);
	history_writer = NULL;
	engine_unref(engine_swap(NULL));
	if (pidfd >= 0 && pidf_remove(pidfd, pidfile) != 0)
		log_msg(LOG_WARNING, "cannot remove the pid file %s: %s", pidfile,
		    strerror(errno));
	free(pidfile);
	if (rc != MI_SUCCESS) {
		log_msg(LOG_ERR, "smfi_main failed: stopped");
		return 1;
	}
	log_msg(LOG_INFO, "stopped");
	return 0;
}
