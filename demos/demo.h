/* demo.h — what the demos share: --quick, building a run from name=value pairs through
 * the library's own parameter table, training with the library's optimiser, X* from the
 * library's baseline. Demos print what they show and exit 0 when the trend is reproduced,
 * 1 when it is not, 77 when a problem they need is not built in. */
#ifndef LORASCOPE_DEMO_H
#define LORASCOPE_DEMO_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/baseline.h"
#include "lorascope/config.h"
#include "lorascope/init.h"
#include "lorascope/lora.h"
#include "lorascope/optim.h"
#include "lorascope/problem.h"
#include "lorascope/theory.h"

#define DEMO_SKIP 77

/* --quick selects the short mode; --help prints usage. Returns -1 after --help. */
static inline int demo_args(int argc, char **argv, const char *what, bool *quick)
{
	*quick = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			*quick = true;
		} else if (strcmp(argv[i], "--help") == 0) {
			printf("usage: %s [--quick]\n%s\n", argv[0], what);
			return -1;
		} else {
			fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", argv[0],
				argv[i]);
			return 2;
		}
	}
	return 0;
}

/* Defaults, then every "name", "value" pair of kv (NULL-terminated). */
static inline bool demo_config(ls_config *c, const char *const *kv)
{
	ls_error err;
	ls_config_defaults(c);
	for (size_t i = 0; kv[i] && kv[i + 1]; i += 2)
		if (ls_config_set(c, kv[i], kv[i + 1], &err) != LS_OK) {
			fprintf(stderr, "demo: %s\n", err.msg);
			return false;
		}
	if (ls_config_check(c, &err) != LS_OK) {
		fprintf(stderr, "demo: %s\n", err.msg);
		return false;
	}
	return true;
}

/* true when the library has a problem called name. */
static inline bool demo_has_problem(const char *name)
{
	for (size_t i = 0; ls_problem_names[i]; i++)
		if (strcmp(ls_problem_names[i], name) == 0)
			return true;
	return false;
}

static inline void demo_fail(const char *where, const ls_error *err)
{
	fprintf(stderr, "demo: %s: %s\n", where, err->msg[0] ? err->msg : ls_strerror(err->code));
}

/* cfg from kv (demo_config), then its problem into p drawn from *rng seeded with cfg's seed
 * (the stream goes on in *rng); false with the message printed on a failure. */
static inline bool demo_problem(const char *const *kv, ls_config *cfg, ls_rng *rng, ls_problem *p)
{
	if (!demo_config(cfg, kv))
		return false;
	ls_rng_seed(rng, cfg->seed);
	ls_error err;
	if (ls_problem_create(p, cfg, NULL, rng, &err) != LS_OK) {
		demo_fail("problem", &err);
		return false;
	}
	return true;
}

#endif
