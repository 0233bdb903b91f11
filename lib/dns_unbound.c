/* dns_unbound.c - the libunbound backend (being written; this stub refuses to open) */
#include "autoconf.h"

#include "config.h"
#include "dns.h"
#include "dns_int.h"

/* dns_unbound_open - not available yet */
struct dns_resolver *
dns_unbound_open(const struct config *cfg, struct buf *err)
{
	(void)cfg;
	buf_adds(err, "DNS backend unbound: not written yet\n");
	return NULL;
}
