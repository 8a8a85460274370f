/* sessiontest.h — helpers shared by the session unit tests: a session from name=value pairs
 * and stepping it, failing the test with the library's message. */
#ifndef LORASCOPE_SESSIONTEST_H
#define LORASCOPE_SESSIONTEST_H

#include "lorascope/session.h"
#include "testutil.h"

/* A session from the pairs of base, then those of kv (each NULL-terminated; kv may be NULL). */
static inline ls_session *session_from(const char *const *base, const char *const *kv)
{
	ls_config c;
	ls_config_defaults(&c);
	for (size_t i = 0; base[i]; i += 2)
		assert_ok(ls_config_set(&c, base[i], base[i + 1], NULL));
	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_ok(ls_config_set(&c, kv[i], kv[i + 1], NULL));
	ls_session *s;
	ls_error err;
	if (ls_session_create(&s, &c, NULL, &err) != LS_OK)
		fail_msg("create: %s", err.msg);
	return s;
}

static inline void step(ls_session *s, long n)
{
	ls_error err;
	if (ls_session_step(s, n, &err) != LS_OK)
		fail_msg("step: %s", err.msg);
}

#endif
