/* mailauth-verify.c - placeholder */
#include "autoconf.h"
int main(void) { return 1; }
