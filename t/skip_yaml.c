/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * skip_yaml.c - stands in for a YAML conformance suite when configure found no
 * libyaml: one TAP skip_all (scripts/bootstrap.sh installs libyaml-dev, so CI
 * runs the real suites)
 */
#include "autoconf.h"

#include "tap.h"

int
main(void)
{
	skip_all("libyaml not found at configure time");
}
