/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_outage_test.c - lib/dns_outage: timeouts only lead to a probe, only an
 *	unanswered probe makes the resolver down (then queries fail at once), one
 *	probe per interval, the outage logged once per interval, the first answered
 *	probe ends it. The probe and the clock are the test's.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "dns_outage.h"
#include "log.h"
#include "tap.h"
#include "util.h"

static unsigned probes;		/* probes asked so far */
static bool probe_answers;	/* what the next probe says */
static struct buf logged;	/* every line logged */

/* fake_probe - the resolver as the test wants it */
static bool
fake_probe(void *arg, unsigned ms)
{
	(void)arg;
	(void)ms;
	probes++;
	return probe_answers;
}

/* capture - keep every log line */
static void
capture(int pri, const char *line, void *arg)
{
	(void)pri;
	(void)arg;
	buf_adds(&logged, line);
	buf_addc(&logged, '\n');
}

/* count - lines of the log so far holding s */
static unsigned
count(const char *s)
{
	unsigned n = 0;

	for (const char *p = buf_str(&logged); (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

/* fast_n - how many of n queries fail at once */
static unsigned
fast_n(struct dns_outage *o, unsigned n)
{
	unsigned f = 0;

	while (n-- > 0)
		if (dns_outage_fail_fast(o))
			f++;
	return f;
}

int
main(void)
{
	struct dns_outage *o;

	buf_init(&logged);
	log_set_level(LOG_DEBUG);
	log_set_capture(capture, NULL);
	o = dns_outage_new(fake_probe, NULL, 1000);

	/* one name's servers time out, again and again: never a probe */
	for (int i = 0; i < 10; i++)
		dns_outage_note(o, "slow.attacker.example", false);
	is_int(0, probes, "timeouts on one name alone: no probe");
	ok(!dns_outage_down(o) && fast_n(o, 5) == 0, "and nothing fails at once");
	dns_outage_note(o, "example.org", true);

	/* an answered query in between breaks the run */
	dns_outage_note(o, "a.attacker.example", false);
	dns_outage_note(o, "_dmarc.victim.example", true);
	dns_outage_note(o, "b.attacker.example", false);
	is_int(0, probes, "timeout, answer, timeout: no probe");

	/* the downgrade attempt: a spoofer's own names time out on two different
	 * names in a row (his servers); the probe answers, so nothing changes */
	probe_answers = true;
	dns_outage_note(o, "c.attacker.example", false);
	is_int(1, probes, "two timeouts in a row on different names: one probe");
	ok(!dns_outage_down(o), "the probe answered: not down");
	is_int(0, fast_n(o, 20), "the spoofed domain's lookups are still asked");
	is_int(1, count("answers a probe"), "logged once as slow servers, not an outage");
	for (int i = 0; i < 6; i++) {
		char name[64];

		snprintf(name, sizeof name, "x%d.attacker.example", i);
		dns_outage_note(o, name, false);
	}
	is_int(1, probes, "more timeouts within the probe interval: no second probe");
	ok(!dns_outage_down(o) && fast_n(o, 5) == 0, "and still not down");

	/* the resolver goes away: timeouts on different names, the probe times out */
	dns_outage_advance(o, DNS_OUTAGE_PROBE_MS);
	probe_answers = false;
	dns_outage_note(o, "example.com", false);
	dns_outage_note(o, "_dmarc.example.com", false);
	is_int(2, probes, "after the interval a new run of timeouts probes again");
	ok(dns_outage_down(o), "the probe got no answer: the resolver is down");
	is_int(1, count("the resolver does not answer"), "the outage logged once");
	is_int(100, fast_n(o, 100), "while down every query fails at once");
	is_int(2, probes, "no probe before the interval has passed");
	is_int(1, count("does not answer"), "and no further log line for them");

	/* one probe per interval while down; the others keep failing at once */
	dns_outage_advance(o, DNS_OUTAGE_PROBE_MS);
	is_int(10, fast_n(o, 10), "the interval passed, the probe times out: still down");
	is_int(3, probes, "exactly one probe for that interval");

	/* a "still down" line once per log interval, with the count */
	dns_outage_advance(o, DNS_OUTAGE_LOG_MS);
	is_int(1, fast_n(o, 1), "a minute later, still down");
	is_int(1, count("still does not answer after 65 s: 111 queries failed at once"),
	    "one line per minute with the queries failed at once");
	is_int(1, fast_n(o, 1), "the next query fails at once too");
	is_int(1, count("still does not answer"), "without another line");

	/* the resolver is back: the next probe ends the outage */
	probe_answers = true;
	dns_outage_advance(o, DNS_OUTAGE_PROBE_MS);
	is_int(0, fast_n(o, 1), "the probe answers: the query is asked again");
	ok(!dns_outage_down(o), "not down any more");
	is_int(1, count("answers again after 70 s; 112 queries failed at once"),
	    "the end of the outage logged with its length and count");
	is_int(0, fast_n(o, 5), "later queries are asked");
	diag("%s", buf_str(&logged));

	dns_outage_free(o);
	log_set_capture(NULL, NULL);
	buf_free(&logged);
	return done_testing();
}
