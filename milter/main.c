/*
 * main.c - mailauth, the SPF/DKIM/DMARC milter daemon
 * SYNOPSIS
 *	mailauth [-fnhV] [-c file] [-p socket] [-u user] [-P pidfile]
 * DESCRIPTION
 *	Start-up, in this order: load the configuration (file:line errors, exit
 *	EX_CONFIG), check the Socket specification, open the log (syslog with the
 *	configured facility; stderr with -f), build the engine, take the pid file
 *	(libbsd pidfile_open: a second instance is refused), remove a stale UNIX socket
 *	(only a socket nobody answers on; never another kind of file), open the
 *	listening socket through libmilter (retried for about 3 s: a previous instance
 *	may still be shutting down; a TCP one gets TCP_NODELAY, inherited by accepted
 *	connections), set the UNIX socket's mode, write the pid file,
 *	bind the MetricsSocket if set (metrics_http.c; served once privileges are gone),
 *	drop privileges to UserID when started as root, then smfi_main().
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
#include <grp.h>
#include <libutil.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* print_lines - each line of text to stderr, prefixed unless it names a file */
static void
print_lines(const char *text, const char *prefix)
{
	const char *p = text;

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (n > 0)
			fprintf(stderr, "%s%.*s\n", prefix, (int)n, p);
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
			return 0;
		}
		if (i + 1 < BIND_TRIES)
			nanosleep(&pause, NULL);
	}
	log_msg(LOG_ERR, "cannot listen on %s: address in use?", spec);
	return -1;
}

/* drop_privileges - become user (when root); 0 ok, -1 logged */
static int
drop_privileges(const char *user, const struct sockspec *ss)
{
	struct passwd *pw;

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
	/* the socket belongs to the daemon's user, its mode decides who may connect */
	if (ss->family == SOCK_UNIX && chown(ss->path, pw->pw_uid, pw->pw_gid) != 0)
		log_msg(LOG_WARNING, "chown %s: %s", ss->path, strerror(errno));
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_msg(LOG_ERR, "cannot become user %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != pw->pw_uid ||
	    geteuid() != pw->pw_uid || getegid() != pw->pw_gid) {
		log_msg(LOG_ERR, "privileges were not dropped to %s", user);
		return -1;
	}
	log_msg(LOG_INFO, "running as user %s (uid %ld)", user, (long)pw->pw_uid);
	return 0;
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
	struct pidfh *pfh = NULL;
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

	if (pidfile[0] != '\0' &&
	    (pfh = pidfile_open(pidfile, 0644, &other)) == NULL) {
		if (errno == EEXIST)
			log_msg(LOG_ERR, "another mailauth (pid %ld) holds %s: not starting",
			    (long)other, pidfile);
		else
			log_msg(LOG_ERR, "cannot create the pid file %s: %s", pidfile,
			    strerror(errno));
		engine_unref(engine_swap(NULL));
		cfg_unref(cfg);
		buf_free(&err);
		free(pidfile);
		return 1;
	}
	if (ss.family == SOCK_UNIX) {
		umask(0077);
		rc = unix_socket_clear(ss.path, spec);
	} else {
		rc = 0;
	}
	if (rc == 0)
		rc = open_listener(spec, cfg->milter_timeout);
	if (rc == 0 && ss.family == SOCK_UNIX &&
	    chmod(ss.path, (mode_t)cfg->socket_mode) != 0) {
		log_msg(LOG_ERR, "chmod %s: %s", ss.path, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && pfh != NULL && pidfile_write(pfh) != 0) {
		log_msg(LOG_ERR, "cannot write the pid file %s: %s", pidfile,
		    strerror(errno));
		rc = -1;
	}
	/* bound as root (any port), served after the drop (metrics_http.c) */
	if (rc == 0 && cfg->metrics_socket[0] != '\0' &&
	    (metrics_fd = metrics_http_bind(cfg->metrics_socket)) < 0)
		rc = -1;
	if (rc == 0 && drop_privileges(user, &ss) != 0)
		rc = -1;
	if (rc != 0) {
		if (metrics_fd >= 0)
			close(metrics_fd);
		if (pfh != NULL)
			pidfile_remove(pfh);
		engine_unref(engine_swap(NULL));
		cfg_unref(cfg);
		buf_free(&err);
		free(pidfile);
		return 1;
	}

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
	metrics_http_stop();
	history_stop(history_writer);
	history_writer = NULL;
	engine_unref(engine_swap(NULL));
	if (pfh != NULL && pidfile_remove(pfh) != 0)
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
