/* psl.c - not written yet (placeholder so the tree builds) */
#include "autoconf.h"
