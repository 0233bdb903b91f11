/* callbacks.c - placeholder */
#include "autoconf.h"
