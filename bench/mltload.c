/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mltload - a load client speaking the milter protocol (version 6) as an MTA
 * SYNOPSIS
 *	mltload -s SOCKET [-s SOCKET2 ...] [-c K] [-n M] [-p PERCONN] [-t SECS]
 *	    [--expect] [-q] [-N] [-r] CORPUS-DIR|FILE...
 * DESCRIPTION
 *	K threads, one milter connection each (one per milter in chain mode), send M
 *	messages in total, taken round-robin from the corpus, PERCONN messages per
 *	connection (SMFIC_ABORT between them, SMFIC_QUIT at the end). SOCKET is
 *	inet:PORT@ADDR or unix:PATH. With several -s the milters are chained as Postfix
 *	does: envelope steps (connect, HELO, MAIL, RCPT) go to each milter in turn, then
 *	the content (headers, body, end of message) to the first milter, whose header
 *	edits are applied before the content goes to the next one.
 *
 *	Like Postfix (milter8.c), it offers every protocol step (0x1fffff), sends a
 *	stage's macros even when the milter asked not to get that step (SMFIP_NO*),
 *	and does not wait for a reply to a step whose SMFIP_NR_* bit the milter
 *	negotiated: it goes straight on with the next command. -N offers no
 *	SMFIP_NR_* bits (an MTA without them: libmilter then answers every step).
 *	-r prints one line per message before the summary: "msg K FILE verdict=V
 *	fields=N ar=VALUE spf=VALUE", the topmost Authentication-Results and
 *	Received-SPF after every milter's edits (CR, LF, TAB escaped; "-": none).
 *
 *	A corpus file is a message preceded by envelope lines, dropped before sending:
 *	"X-Bench-IP: 192.0.2.1", "X-Bench-Helo: mx.example", "X-Bench-From: <a@b>",
 *	"X-Bench-Rcpt: <c@d>", "X-Bench-Expect: accept|reject|tempfail|quarantine".
 *	Latency is per message, from MAIL to the last end-of-message reply (connect and
 *	HELO excluded). -t bounds every single reply wait.
 *
 *	Output: one "key=value" summary line per item (msgs, secs, msgs_per_s, p50_ms,
 *	p90_ms, p99_ms, errors, timeouts, verdict counts, expect mismatches).
 * DIAGNOSTICS
 *	Exit 0 when every message got exactly one verdict and, with --expect, the
 *	expected one; 1 otherwise; 2 on usage or corpus errors.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#define MAX_MILTERS	4
#define MAX_PKT		(4 * 1024 * 1024)
#define CHUNK		65535
#define OFFER_ACTIONS	0x1ffUL		/* what Postfix 3.7 offers */
#define OFFER_STEPS	0x1fffffUL
#define NR_STEPS	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | \
			 SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | \
			 SMFIP_NR_BODY)

enum verdict { V_ACCEPT, V_QUARANTINE, V_REJECT, V_TEMPFAIL, V_DISCARD, V_ERROR, V_N };
static const char *const vname[V_N] = { "accept", "quarantine", "reject", "tempfail",
	"discard", "error" };

struct hdr { char *name, *value; };	/* value keeps its leading blank, folds "\n" */

struct cmsg {				/* one corpus message */
	char *file, *ip, *helo, *from, *rcpt;
	int expect;			/* -1: none */
	struct hdr *h;
	size_t nh;
	unsigned char *body;		/* CRLF line ends */
	size_t blen;
};

struct opts {				/* set once in main, read-only afterwards */
	const char *sock[MAX_MILTERS];
	int nsock, conc, perconn, timeout_ms;
	long total;
	bool expect, quiet, no_nr, report;
	struct cmsg *corpus;
	size_t ncorpus;
};

struct shared {				/* results; slots per message, counters locked */
	const struct opts *o;
	long next;
	double *lat;			/* ms per message, -1 when none */
	signed char *verdict;
	pthread_mutex_t lock;
	long errors, timeouts, mismatches;
	char **report;			/* -r: one line per message, NULL when none */
};

struct mconn {				/* one milter connection */
	int fd;
	uint32_t actions, steps;
	char *symlist[7];		/* macros asked per stage, NULL: defaults */
};

/* die - report and exit (start-up only) */
static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* xmalloc - malloc or exit */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* xstrndup - copy of n bytes, NUL-terminated */
static char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* now_ms - monotonic milliseconds */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* verdict_of - verdict index of a name, -1 if unknown */
static int
verdict_of(const char *s)
{
	for (int i = 0; i < V_N; i++)
		if (strcasecmp(s, vname[i]) == 0)
			return i;
	return -1;
}

/* add_body - append bytes to the body, bare LF made CRLF */
static void
add_body(struct cmsg *m, size_t *cap, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m->blen + 2 > *cap) {
			*cap = *cap ? *cap * 2 : 4096;
			if ((m->body = realloc(m->body, *cap)) == NULL)
				die("out of memory");
		}
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			m->body[m->blen++] = '\r';
		m->body[m->blen++] = (unsigned char)p[i];
	}
}

/* load_file - parse one corpus file */
static void
load_file(const char *path, struct cmsg *m)
{
	FILE *fp = fopen(path, "rb");
	char *d, *p, *end, *line;
	long len;
	size_t cap = 0;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0)
		die("%s: cannot read", path);
	rewind(fp);
	d = xmalloc((size_t)len + 1);
	if (fread(d, 1, (size_t)len, fp) != (size_t)len)
		die("%s: short read", path);
	fclose(fp);
	d[len] = '\0';
	memset(m, 0, sizeof *m);
	m->file = strdup(path);
	m->expect = -1;
	p = d;
	end = d + len;
	while (p < end) {			/* header section */
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end, *colon, *v;

		line = p;
		if (le > line && le[-1] == '\r')
			le--;
		p = nl ? nl + 1 : end;
		if (le == line)
			break;			/* blank line: body follows */
		if ((*line == ' ' || *line == '\t') && m->nh > 0) {
			struct hdr *h = &m->h[m->nh - 1];
			size_t ol = strlen(h->value);

			h->value = realloc(h->value, ol + (size_t)(le - line) + 2);
			h->value[ol] = '\n';
			memcpy(h->value + ol + 1, line, (size_t)(le - line));
			h->value[ol + 1 + (le - line)] = '\0';
			continue;
		}
		if ((colon = memchr(line, ':', (size_t)(le - line))) == NULL)
			die("%s: header line without colon", path);
		v = xstrndup(colon + 1, (size_t)(le - colon - 1));
		if ((size_t)(colon - line) > 8 && strncasecmp(line, "X-Bench-", 8) == 0) {
			char *t = v + strspn(v, " \t"), *name = line + 8;
			size_t nl8 = (size_t)(colon - name);

			if (nl8 == 2 && strncasecmp(name, "IP", 2) == 0)
				m->ip = strdup(t);
			else if (nl8 == 4 && strncasecmp(name, "Helo", 4) == 0)
				m->helo = strdup(t);
			else if (nl8 == 4 && strncasecmp(name, "From", 4) == 0)
				m->from = strdup(t);
			else if (nl8 == 4 && strncasecmp(name, "Rcpt", 4) == 0)
				m->rcpt = strdup(t);
			else if (nl8 == 6 && strncasecmp(name, "Expect", 6) == 0 &&
			    (m->expect = verdict_of(t)) < 0)
				die("%s: unknown verdict %s", path, t);
			free(v);
			continue;
		}
		m->h = realloc(m->h, (m->nh + 1) * sizeof *m->h);
		m->h[m->nh].name = xstrndup(line, (size_t)(colon - line));
		m->h[m->nh++].value = v;
	}
	add_body(m, &cap, p, (size_t)(end - p));
	if (m->ip == NULL)
		m->ip = strdup("192.0.2.1");
	if (m->helo == NULL)
		m->helo = strdup("mx.example");
	if (m->from == NULL)
		m->from = strdup("<>");
	if (m->rcpt == NULL)
		m->rcpt = strdup("<postmaster@localhost>");
	free(d);
}

/* cmp_str - qsort strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* load_corpus - every regular file of the arguments (directories: sorted) */
static void
load_corpus(struct opts *o, char **args, int n)
{
	char **files = NULL;
	size_t nf = 0;

	for (int i = 0; i < n; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *de;

		if (stat(args[i], &st) != 0)
			die("%s: %s", args[i], strerror(errno));
		if (!S_ISDIR(st.st_mode)) {
			files = realloc(files, (nf + 1) * sizeof *files);
			files[nf++] = strdup(args[i]);
			continue;
		}
		if ((dir = opendir(args[i])) == NULL)
			die("%s: %s", args[i], strerror(errno));
		while ((de = readdir(dir)) != NULL) {
			size_t l = strlen(de->d_name);

			if (l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
				continue;
			files = realloc(files, (nf + 1) * sizeof *files);
			files[nf] = xmalloc(strlen(args[i]) + l + 2);
			sprintf(files[nf++], "%s/%s", args[i], de->d_name);
		}
		closedir(dir);
	}
	if (nf == 0)
		die("empty corpus");
	qsort(files, nf, sizeof *files, cmp_str);
	o->corpus = xmalloc(nf * sizeof *o->corpus);
	for (size_t i = 0; i < nf; i++) {
		load_file(files[i], &o->corpus[i]);
		free(files[i]);
	}
	o->ncorpus = nf;
	free(files);
}

/* io_full - read or write exactly n bytes; 0 ok, -1 error/EOF, -2 timeout */
static int
io_full(int fd, void *p, size_t n, bool wr, int tmo)
{
	char *c = p;

	while (n > 0) {
		struct pollfd pfd = { .fd = fd, .events = wr ? POLLOUT : POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, tmo) != 1)
			return -2;
		r = wr ? send(fd, c, n, MSG_NOSIGNAL | MSG_DONTWAIT) :
		    recv(fd, c, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* pkt_send - one packet: length, command, data (two pieces) */
static int
pkt_send(int fd, char cmd, const void *a, size_t na, const void *b, size_t nb, int tmo)
{
	unsigned char hd[5];
	uint32_t len = htonl((uint32_t)(1 + na + nb));
	int rc;

	memcpy(hd, &len, 4);
	hd[4] = (unsigned char)cmd;
	if ((rc = io_full(fd, hd, 5, true, tmo)) != 0 ||
	    (na > 0 && (rc = io_full(fd, (void *)a, na, true, tmo)) != 0))
		return rc;
	return nb > 0 ? io_full(fd, (void *)b, nb, true, tmo) : 0;
}

/* pkt_recv - one packet; *data malloc'd (caller frees); 0 ok, -1/-2 as io_full */
static int
pkt_recv(int fd, char *cmd, char **data, size_t *n, int tmo)
{
	uint32_t len;
	int rc;

	*data = NULL;
	if ((rc = io_full(fd, &len, 4, false, tmo)) != 0)
		return rc;
	len = ntohl(len);
	if (len < 1 || len > MAX_PKT)
		return -1;
	*data = xmalloc(len);
	if ((rc = io_full(fd, *data, len, false, tmo)) != 0)
		return rc;
	*cmd = (*data)[0];
	*n = len - 1;
	memmove(*data, *data + 1, len - 1);
	(*data)[len - 1] = '\0';
	return 0;
}

/* mc_open - connect and negotiate; 0 ok, -1 error, -2 timeout */
static int
mc_open(struct mconn *c, const char *spec, bool no_nr, int tmo)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	uint32_t neg[3] = { htonl(6), htonl(OFFER_ACTIONS),
	    htonl(no_nr ? OFFER_STEPS & ~NR_STEPS : OFFER_STEPS) };
	char cmd, *d = NULL;
	size_t n;
	int one = 1, rc;

	memset(c, 0, sizeof *c);
	memset(&ss, 0, sizeof ss);
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *su = (struct sockaddr_un *)&ss;

		su->sun_family = AF_UNIX;
		snprintf(su->sun_path, sizeof su->sun_path, "%s", spec + 5);
		sl = sizeof *su;
	} else if (strncmp(spec, "inet:", 5) == 0 && strchr(spec, '@') != NULL) {
		struct sockaddr_in *si = (struct sockaddr_in *)&ss;

		si->sin_family = AF_INET;
		si->sin_port = htons((uint16_t)atoi(spec + 5));
		if (inet_pton(AF_INET, strchr(spec, '@') + 1, &si->sin_addr) != 1)
			return -1;
		sl = sizeof *si;
	} else {
		return -1;
	}
	if ((c->fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&ss, sl) != 0)
		return -1;
	if ((rc = pkt_send(c->fd, SMFIC_OPTNEG, neg, sizeof neg, NULL, 0, tmo)) != 0 ||
	    (rc = pkt_recv(c->fd, &cmd, &d, &n, tmo)) != 0) {
		free(d);
		return rc;
	}
	if (cmd != SMFIC_OPTNEG || n < 12) {
		free(d);
		return -1;
	}
	memcpy(neg, d, 12);
	c->actions = ntohl(neg[1]);
	c->steps = ntohl(neg[2]);
	for (size_t off = 12; off + 5 <= n;) {	/* symlist: stage, macro names */
		uint32_t st;
		size_t l;

		memcpy(&st, d + off, 4);
		st = ntohl(st);
		l = strnlen(d + off + 4, n - off - 4);
		if (st < 7 && c->symlist[st] == NULL)
			c->symlist[st] = xstrndup(d + off + 4, l);
		off += 4 + l + 1;
	}
	free(d);
	return 0;
}

/* mc_close - QUIT (if asked) and close */
static void
mc_close(struct mconn *c, bool quit, int tmo)
{
	if (c->fd < 0)
		return;
	if (quit)
		(void)pkt_send(c->fd, SMFIC_QUIT, NULL, 0, NULL, 0, tmo);
	close(c->fd);
	c->fd = -1;
	for (int i = 0; i < 7; i++) {
		free(c->symlist[i]);
		c->symlist[i] = NULL;
	}
}

/* macro_value - what our simulated MTA knows of one macro, NULL: unknown */
static const char *
macro_value(const char *name, const struct cmsg *m, const char *qid, char *tmp,
    size_t tl)
{
	char n[64];
	size_t l = strlen(name);

	if (l >= 2 && name[0] == '{' && name[l - 1] == '}')
		snprintf(n, sizeof n, "%.*s", (int)(l - 2), name + 1);
	else
		snprintf(n, sizeof n, "%s", name);
	if (strcmp(n, "i") == 0)
		return qid;
	if (strcmp(n, "j") == 0 || strcmp(n, "daemon_name") == 0)
		return "mx.bench.invalid";
	if (strcmp(n, "client_addr") == 0)
		return m->ip;
	if (strcmp(n, "client_name") == 0 || strcmp(n, "client_ptr") == 0)
		return "unknown";
	if (strcmp(n, "_") == 0) {
		snprintf(tmp, tl, "unknown [%s]", m->ip);
		return tmp;
	}
	if (strcmp(n, "v") == 0)
		return "mltload";
	if (strcmp(n, "mail_addr") == 0) {
		snprintf(tmp, tl, "%.*s", (int)strcspn(m->from + (*m->from == '<'), ">"),
		    m->from + (*m->from == '<'));
		return tmp;
	}
	return NULL;			/* {auth_authen}...: not authenticated */
}

/* send_macros - SMFIC_MACRO for the stage with what the milter asked for */
static int
send_macros(struct mconn *c, int stage, char cmd, const struct cmsg *m,
    const char *qid, int tmo)
{
	static const char *const defaults[7] = {
		"j {daemon_name} v _ {client_addr}", "", "i {mail_addr}", "", "i",
		"i", "i" };
	const char *list = c->symlist[stage] ? c->symlist[stage] : defaults[stage];
	char buf[4096], tmp[512], name[64];
	size_t bl = 1;

	buf[0] = cmd;
	while (*list != '\0') {
		size_t l = strcspn(list, " ,");
		const char *v;

		if (l > 0 && l < sizeof name) {
			memcpy(name, list, l);
			name[l] = '\0';
			v = macro_value(name, m, qid, tmp, sizeof tmp);
			if (v != NULL && bl + l + strlen(v) + 2 < sizeof buf) {
				memcpy(buf + bl, name, l + 1);
				bl += l + 1;
				memcpy(buf + bl, v, strlen(v) + 1);
				bl += strlen(v) + 1;
			}
		}
		list += l;
		list += strspn(list, " ,");
	}
	return pkt_send(c->fd, SMFIC_MACRO, buf, bl, NULL, 0, tmo);
}

/* step result: continue, or a final verdict for this message */
enum step { S_CONT, S_SKIP, S_FINAL };

/* edit - apply one header edit (insert, add, change/delete) to hs; false if bad */
static bool
edit(char cmd, const char *d, size_t n, struct hdr **hs, size_t *nhs)
{
	uint32_t idx = 0, k = 0;
	const char *name = d, *val;
	size_t at;

	if (cmd != SMFIR_ADDHEADER) {
		if (n < 4)
			return false;
		memcpy(&idx, d, 4);
		idx = ntohl(idx);
		name += 4;
	}
	if (name >= d + n || (val = name + strnlen(name, n - (size_t)(name - d)) + 1) >= d + n)
		return false;
	if (cmd != SMFIR_CHGHEADER) {	/* insert at idx (0: top) or append */
		at = cmd == SMFIR_ADDHEADER || idx > *nhs ? *nhs : idx;
		*hs = realloc(*hs, (*nhs + 1) * sizeof **hs);
		memmove(&(*hs)[at + 1], &(*hs)[at], (*nhs - at) * sizeof **hs);
		(*hs)[at].name = strdup(name);
		(*hs)[at].value = strdup(val);
		++*nhs;
		return true;
	}
	for (at = 0; at < *nhs; at++)	/* change the idx-th field of that name */
		if (strcasecmp((*hs)[at].name, name) == 0 && ++k == idx)
			break;
	if (at == *nhs)
		return true;
	free((*hs)[at].value);
	(*hs)[at].value = strdup(val);
	if (*val == '\0') {		/* empty value: delete */
		free((*hs)[at].name);
		free((*hs)[at].value);
		memmove(&(*hs)[at], &(*hs)[at + 1], (*nhs - at - 1) * sizeof **hs);
		--*nhs;
	}
	return true;
}

/* reply - read replies to one command until a final one; edits (eom) go to hs */
static int
reply(struct mconn *c, bool eom, struct hdr **hs, size_t *nhs, int *v, int tmo)
{
	for (;;) {
		char cmd, *d;
		size_t n;
		int rc = pkt_recv(c->fd, &cmd, &d, &n, tmo), res = rc;

		if (rc == 0) {
			res = S_FINAL;
			switch (cmd) {
			case SMFIR_CONTINUE: res = S_CONT; break;
			case SMFIR_SKIP: res = S_SKIP; break;
			case SMFIR_ACCEPT: *v = *v == V_QUARANTINE ? *v : V_ACCEPT; break;
			case SMFIR_REJECT: case SMFIR_SHUTDOWN: case SMFIR_CONN_FAIL:
				*v = V_REJECT; break;
			case SMFIR_TEMPFAIL: *v = V_TEMPFAIL; break;
			case SMFIR_DISCARD: *v = V_DISCARD; break;
			case SMFIR_REPLYCODE: *v = n > 0 && d[0] == '4' ? V_TEMPFAIL : V_REJECT;
				break;
			case SMFIR_QUARANTINE: *v = V_QUARANTINE; res = eom ? 1000 : -1; break;
			case SMFIR_INSHEADER: case SMFIR_ADDHEADER: case SMFIR_CHGHEADER:
				res = eom && edit(cmd, d, n, hs, nhs) ? 1000 : -1;
				break;
			case SMFIR_PROGRESS: case SMFIR_ADDRCPT: case SMFIR_DELRCPT:
			case SMFIR_ADDRCPT_PAR: case SMFIR_CHGFROM: case SMFIR_REPLBODY:
				res = eom ? 1000 : -1;	/* allowed at end of message */
				break;
			default: res = -1; break;
			}
		}
		free(d);
		if (res != 1000)		/* 1000: an edit, more replies follow */
			return res;
	}
}

/* step - send macros + one command, read the reply unless negotiated away */
static int
step(struct mconn *c, int stage, char cmd, uint32_t nobit, uint32_t nrbit,
    const void *a, size_t na, const void *b, size_t nb, const struct cmsg *m,
    const char *qid, int *v, int tmo)
{
	int rc;

	/* Postfix sends the stage's macros even for a step the milter skips */
	if (stage >= 0 && (rc = send_macros(c, stage, cmd, m, qid, tmo)) != 0)
		return rc;
	if (c->steps & nobit)
		return S_CONT;
	if ((rc = pkt_send(c->fd, cmd, a, na, b, nb, tmo)) != 0)
		return rc;
	if (c->steps & nrbit)
		return S_CONT;
	rc = reply(c, false, NULL, NULL, v, tmo);
	return rc == S_SKIP && cmd != SMFIC_BODY ? -1 : rc;	/* skip: body only */
}

/* content - headers, EOH, body, EOM to one milter; edits applied to hs */
static int
content(struct mconn *c, struct hdr **hs, size_t *nhs, const struct cmsg *m,
    const char *qid, int *v, int tmo)
{
	int rc;
	size_t nh = *nhs;
	struct hdr *h = xmalloc((nh ? nh : 1) * sizeof *h);
	bool lead = (c->steps & SMFIP_HDR_LEADSPC) != 0;

	memcpy(h, *hs, nh * sizeof *h);	/* the fields as they were on entry */
	if ((rc = step(c, 4, SMFIC_DATA, SMFIP_NODATA, SMFIP_NR_DATA, NULL, 0, NULL, 0,
	    m, qid, v, tmo)) != S_CONT)
		goto out;
	for (size_t i = 0; i < nh; i++) {
		const char *val = h[i].value;

		if (!lead && *val == ' ')
			val++;
		rc = step(c, -1, SMFIC_HEADER, SMFIP_NOHDRS, SMFIP_NR_HDR, h[i].name,
		    strlen(h[i].name) + 1, val, strlen(val) + 1, m, qid, v, tmo);
		if (rc != S_CONT)
			goto out;
	}
	if ((rc = step(c, 6, SMFIC_EOH, SMFIP_NOEOH, SMFIP_NR_EOH, NULL, 0, NULL, 0, m,
	    qid, v, tmo)) != S_CONT)
		goto out;
	for (size_t off = 0; off < m->blen && !(c->steps & SMFIP_NOBODY);) {
		size_t n = m->blen - off > CHUNK ? CHUNK : m->blen - off;

		rc = step(c, -1, SMFIC_BODY, 0, SMFIP_NR_BODY, m->body + off, n, NULL, 0,
		    m, qid, v, tmo);
		if (rc == S_SKIP)
			break;
		if (rc != S_CONT)
			goto out;
		off += n;
	}
	free(h);
	h = NULL;
	if ((rc = send_macros(c, 5, SMFIC_BODYEOB, m, qid, tmo)) != 0 ||
	    (rc = pkt_send(c->fd, SMFIC_BODYEOB, NULL, 0, NULL, 0, tmo)) != 0)
		goto out;
	if ((rc = reply(c, true, hs, nhs, v, tmo)) == S_CONT) {
		rc = S_FINAL;		/* continue at end of message: accepted */
		if (*v != V_QUARANTINE)
			*v = V_ACCEPT;
	}
out:
	free(h);
	return rc;
}

/* esc_value - a header value on one line: CR, LF, TAB as \r \n \t; "-": none */
static void
esc_value(FILE *fp, const struct hdr *hs, size_t nhs, const char *name)
{
	for (size_t i = 0; i < nhs; i++) {
		if (strcasecmp(hs[i].name, name) != 0)
			continue;
		for (const char *p = hs[i].value; *p != '\0'; p++)
			if (*p == '\r' || *p == '\n' || *p == '\t' || *p == '\\')
				fprintf(fp, "\\%c", *p == '\r' ? 'r' : *p == '\n' ? 'n' :
				    *p == '\t' ? 't' : '\\');
			else
				fputc(*p, fp);
		return;
	}
	fputc('-', fp);
}

/* report_line - -r: verdict and the topmost A-R and Received-SPF, malloc'd */
static char *
report_line(const struct cmsg *m, long k, int v, const struct hdr *hs, size_t nhs)
{
	char *line = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&line, &len);

	if (fp == NULL)
		die("out of memory");
	fprintf(fp, "msg %ld %s verdict=%s fields=%zu ar=", k, m->file,
	    v >= 0 && v < V_N ? vname[v] : "?", nhs);
	esc_value(fp, hs, nhs, "Authentication-Results");
	fputs(" spf=", fp);
	esc_value(fp, hs, nhs, "Received-SPF");
	fclose(fp);
	return line;
}

/* one_message - the envelope to every milter, then the content in turn; with
   rep, *rep gets the -r line */
static int
one_message(struct mconn *mc, int nm, const struct cmsg *m, long k, int *v, int tmo,
    char **rep)
{
	char qid[32], rcpt[512];
	struct hdr *hs;
	size_t nhs = m->nh;
	int rc = S_CONT;
	bool done[MAX_MILTERS] = { false };

	snprintf(qid, sizeof qid, "B%010lX", (unsigned long)k);
	snprintf(rcpt, sizeof rcpt, "%s", m->rcpt);
	*v = V_ACCEPT;
	for (int i = 0; i < nm; i++) {
		rc = step(&mc[i], 2, SMFIC_MAIL, SMFIP_NOMAIL, SMFIP_NR_MAIL, m->from,
		    strlen(m->from) + 1, NULL, 0, m, qid, v, tmo);
		if (rc == S_CONT)
			rc = step(&mc[i], 3, SMFIC_RCPT, SMFIP_NORCPT, SMFIP_NR_RCPT, rcpt,
			    strlen(rcpt) + 1, NULL, 0, m, qid, v, tmo);
		if (rc < 0 || (rc == S_FINAL && *v != V_ACCEPT)) {
			if (rc >= 0 && rep != NULL)
				*rep = report_line(m, k, *v, m->h, m->nh);
			return rc;
		}
		done[i] = rc == S_FINAL;	/* accepted: this milter is out */
	}
	hs = xmalloc((nhs ? nhs : 1) * sizeof *hs);
	for (size_t i = 0; i < nhs; i++) {
		hs[i].name = strdup(m->h[i].name);
		hs[i].value = strdup(m->h[i].value);
	}
	for (int i = 0; i < nm; i++) {
		int vi = V_ACCEPT;

		if (done[i])
			continue;
		rc = content(&mc[i], &hs, &nhs, m, qid, &vi, tmo);
		if (rc < 0)
			break;
		if (vi != V_ACCEPT && *v != V_QUARANTINE)
			*v = vi;
		if (vi != V_ACCEPT && vi != V_QUARANTINE)
			break;
	}
	if (rc >= 0 && rep != NULL)
		*rep = report_line(m, k, *v, hs, nhs);
	for (size_t i = 0; i < nhs; i++) {
		free(hs[i].name);
		free(hs[i].value);
	}
	free(hs);
	return rc < 0 ? rc : S_FINAL;
}

/* conn_setup - open every milter, connect and HELO steps; 0 or -1/-2 */
static int
conn_setup(const struct opts *o, struct mconn *mc, const struct cmsg *m)
{
	unsigned char ca[600];
	size_t cl;
	bool v6 = strchr(m->ip, ':') != NULL;
	uint16_t port = htons(25);
	int v = V_ACCEPT, rc;

	cl = (size_t)snprintf((char *)ca, 256, "unknown") + 1;
	ca[cl++] = v6 ? SMFIA_INET6 : SMFIA_INET;
	memcpy(ca + cl, &port, 2);
	cl += 2;
	cl += (size_t)snprintf((char *)ca + cl, 300, "%s", m->ip) + 1;
	for (int i = 0; i < o->nsock; i++) {
		if ((rc = mc_open(&mc[i], o->sock[i], o->no_nr, o->timeout_ms)) != 0)
			return rc;
		rc = step(&mc[i], 0, SMFIC_CONNECT, SMFIP_NOCONNECT, SMFIP_NR_CONN, ca, cl,
		    NULL, 0, m, "", &v, o->timeout_ms);
		if (rc == S_CONT)
			rc = step(&mc[i], 1, SMFIC_HELO, SMFIP_NOHELO, SMFIP_NR_HELO, m->helo,
			    strlen(m->helo) + 1, NULL, 0, m, "", &v, o->timeout_ms);
		if (rc != S_CONT)
			return rc < 0 ? rc : -1;	/* refused connection: an error */
	}
	return 0;
}

/* worker - one thread: take messages until M are done */
static void *
worker(void *arg)
{
	struct shared *sh = arg;
	const struct opts *o = sh->o;
	struct mconn mc[MAX_MILTERS];
	const struct cmsg *cur = NULL;
	int used = 0;
	bool open = false;

	for (int i = 0; i < MAX_MILTERS; i++)
		mc[i].fd = -1;
	for (;;) {
		long k;
		const struct cmsg *m;
		int v = V_ERROR, rc;
		double t0;

		pthread_mutex_lock(&sh->lock);
		k = sh->next < o->total ? sh->next++ : -1;
		pthread_mutex_unlock(&sh->lock);
		if (k < 0)
			break;
		m = &o->corpus[(size_t)k % o->ncorpus];
		if (open && (used >= o->perconn || strcmp(cur->ip, m->ip) != 0 ||
		    strcmp(cur->helo, m->helo) != 0)) {
			for (int i = 0; i < o->nsock; i++)
				mc_close(&mc[i], true, o->timeout_ms);
			open = false;
		}
		if (!open) {
			rc = conn_setup(o, mc, m);
			if (rc != 0) {
				for (int i = 0; i < o->nsock; i++)
					mc_close(&mc[i], false, o->timeout_ms);
				goto failed;
			}
			open = true;
			cur = m;
			used = 0;
		} else {
			for (int i = 0; i < o->nsock; i++)
				(void)pkt_send(mc[i].fd, SMFIC_ABORT, NULL, 0, NULL, 0,
				    o->timeout_ms);
		}
		used++;
		t0 = now_ms();
		rc = one_message(mc, o->nsock, m, k, &v, o->timeout_ms,
		    o->report ? &sh->report[k] : NULL);
		if (rc >= 0) {
			sh->lat[k] = now_ms() - t0;
			sh->verdict[k] = (signed char)v;
			continue;
		}
		for (int i = 0; i < o->nsock; i++)
			mc_close(&mc[i], false, o->timeout_ms);
		open = false;
failed:
		sh->verdict[k] = V_ERROR;
		pthread_mutex_lock(&sh->lock);
		if (rc == -2)
			sh->timeouts++;
		else
			sh->errors++;
		pthread_mutex_unlock(&sh->lock);
		if (!o->quiet)
			fprintf(stderr, "mltload: message %ld (%s): %s\n", k, m->file,
			    rc == -2 ? "timeout" : "protocol or connection error");
	}
	for (int i = 0; i < o->nsock; i++)
		mc_close(&mc[i], true, o->timeout_ms);
	return NULL;
}

/* cmp_dbl - qsort doubles */
static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* usage - the synopsis, exit 2 */
static void
usage(void)
{
	die("usage: mltload -s SOCKET [-s SOCKET2] [-c K] [-n M] [-p PERCONN] "
	    "[-t SECS] [--expect] [-q] [-N] [-r] CORPUS...");
}

/* main - options, corpus, threads, report */
int
main(int argc, char **argv)
{
	struct opts o = { .conc = 1, .perconn = 10, .timeout_ms = 30000, .total = 100 };
	struct shared sh;
	pthread_t *th;
	double t0, secs, *lat;
	long count[V_N] = { 0 }, nl = 0;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--expect") == 0) {
			o.expect = true;
			continue;
		}
		if (strcmp(a, "-q") == 0) {
			o.quiet = true;
			continue;
		}
		if (strcmp(a, "-N") == 0) {
			o.no_nr = true;
			continue;
		}
		if (strcmp(a, "-r") == 0) {
			o.report = true;
			continue;
		}
		if (val == NULL)
			usage();
		i++;
		if (strcmp(a, "-s") == 0 && o.nsock < MAX_MILTERS)
			o.sock[o.nsock++] = val;
		else if (strcmp(a, "-c") == 0 && (o.conc = atoi(val)) > 0 && o.conc <= 1024)
			;
		else if (strcmp(a, "-n") == 0 && (o.total = atol(val)) > 0)
			;
		else if (strcmp(a, "-p") == 0 && (o.perconn = atoi(val)) > 0)
			;
		else if (strcmp(a, "-t") == 0 && atof(val) > 0)
			o.timeout_ms = (int)(atof(val) * 1000);
		else
			usage();
	}
	if (o.nsock == 0 || i >= argc)
		usage();
	load_corpus(&o, argv + i, argc - i);
	memset(&sh, 0, sizeof sh);
	sh.o = &o;
	pthread_mutex_init(&sh.lock, NULL);
	sh.lat = xmalloc((size_t)o.total * sizeof *sh.lat);
	sh.verdict = xmalloc((size_t)o.total);
	sh.report = o.report ? xmalloc((size_t)o.total * sizeof *sh.report) : NULL;
	for (long k = 0; k < o.total; k++) {
		sh.lat[k] = -1;
		sh.verdict[k] = -1;
		if (sh.report != NULL)
			sh.report[k] = NULL;
	}
	th = xmalloc((size_t)o.conc * sizeof *th);
	t0 = now_ms();
	for (i = 0; i < o.conc; i++)
		if (pthread_create(&th[i], NULL, worker, &sh) != 0)
			die("pthread_create failed");
	for (i = 0; i < o.conc; i++)
		pthread_join(th[i], NULL);
	secs = (now_ms() - t0) / 1e3;

	lat = xmalloc((size_t)o.total * sizeof *lat);
	for (long k = 0; k < o.total; k++) {
		const struct cmsg *m = &o.corpus[(size_t)k % o.ncorpus];

		if (sh.verdict[k] < 0) {
			sh.errors++;		/* never answered */
			continue;
		}
		count[sh.verdict[k]]++;
		if (sh.lat[k] >= 0)
			lat[nl++] = sh.lat[k];
		if (o.expect && m->expect >= 0 && sh.verdict[k] != m->expect) {
			sh.mismatches++;
			if (!o.quiet && sh.mismatches <= 20)
				fprintf(stderr, "mltload: %s: verdict %s, expected %s\n",
				    m->file, vname[sh.verdict[k]], vname[m->expect]);
		}
	}
	for (long k = 0; sh.report != NULL && k < o.total; k++) {
		if (sh.report[k] != NULL)
			printf("%s\n", sh.report[k]);
		else
			printf("msg %ld - no verdict\n", k);
		free(sh.report[k]);
	}
	qsort(lat, (size_t)nl, sizeof *lat, cmp_dbl);
	printf("msgs=%ld secs=%.3f msgs_per_s=%.1f", o.total, secs,
	    secs > 0 ? (o.total - count[V_ERROR]) / secs : 0.0);
	if (nl > 0)
		printf(" p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f",
		    lat[(nl - 1) * 50 / 100], lat[(nl - 1) * 90 / 100],
		    lat[(nl - 1) * 99 / 100], lat[nl - 1]);
	printf(" errors=%ld timeouts=%ld", sh.errors, sh.timeouts);
	for (i = 0; i < V_N - 1; i++)
		printf(" %s=%ld", vname[i], count[i]);
	if (o.expect)
		printf(" mismatches=%ld", sh.mismatches);
	printf("\n");
	return sh.errors || sh.timeouts || sh.mismatches ? 1 : 0;
}
