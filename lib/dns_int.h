/* dns_int.h - placeholder */
