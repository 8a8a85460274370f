/* test_userconfig.c — the defaults file reader: good lines reach the setter with their name
 * and value (parameters applied through ls_config_set, key bindings as KEY=ACTION), each
 * kind of bad line is reported with its file and line number and skipped, the rest still
 * applied; the path follows XDG_CONFIG_HOME, then HOME; a missing file is no error. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lorascope/config.h"
#include "lorascope/userconfig.h"

typedef struct {
	ls_config cfg;
	char keys[4][64];
	int nkeys;
	char bad[8][600];
	int nbad;
} sink_state;

/* Parameters into the config, "key" bindings kept, "speed" accepted as a front-end
 * option would be, anything else refused. */
static ls_status set(void *ctx, const char *name, const char *value, ls_error *err)
{
	sink_state *s = ctx;
	if (strcmp(name, "key") == 0) {
		snprintf(s->keys[s->nkeys++], sizeof s->keys[0], "%s", value);
		return LS_OK;
	}
	if (strcmp(name, "speed") == 0)
		return LS_OK;
	if (ls_param_find(name))
		return ls_config_set(&s->cfg, name, value, err);
	return ls_error_set(err, LS_EINVAL, "'%s' is not a setting", name);
}

static void bad(void *ctx, const char *msg)
{
	sink_state *s = ctx;
	snprintf(s->bad[s->nbad++], sizeof s->bad[0], "%s", msg);
}

static void parse(sink_state *s, const char *text, size_t *nbad)
{
	memset(s, 0, sizeof *s);
	ls_config_defaults(&s->cfg);
	ls_userconfig_sink sink = { set, bad, s };
	ls_userconfig_parse("cfg", text, strlen(text), &sink, nbad);
}

static void test_good_lines(void **state)
{
	(void)state;
	sink_state s;
	size_t nbad;
	parse(&s,
	      "# defaults\n"
	      "\n"
	      "lr = 0.05\n"
	      "  rank=3   # trailing comment\n"
	      "\tproblem =  trace2\r\n"
	      "key j = lr-down\n"
	      "key   F5=help\n"
	      "speed = 120\n",
	      &nbad);
	assert_int_equal(nbad, 0);
	assert_int_equal(s.nbad, 0);
	assert_close(s.cfg.lr, 0.05, 0, 0);
	assert_int_equal(s.cfg.rank, 3);
	assert_string_equal(ls_problem_names[s.cfg.problem], "trace2");
	assert_int_equal(s.nkeys, 2);
	assert_string_equal(s.keys[0], "j=lr-down");
	assert_string_equal(s.keys[1], "F5=help");
}

static void test_bad_lines_named_and_skipped(void **state)
{
	(void)state;
	sink_state s;
	size_t nbad;
	parse(&s,
	      "lr = 0.05\n"      /* 1 good */
	      "just words\n"     /* 2 no '=' */
	      "= 3\n"            /* 3 no name */
	      "no such = 1\n"    /* 4 two-word name */
	      "frobnicate = 1\n" /* 5 unknown setting */
	      "rank = -4\n"      /* 6 refused value */
	      "key = help\n"     /* 7 key without a KEY */
	      "lambda = 0.25\n", /* 8 good, after the bad ones */
	      &nbad);
	assert_int_equal(nbad, 6);
	assert_int_equal(s.nbad, 6);
	const char *want[] = { "cfg:2: ", "cfg:3: ", "cfg:4: ", "cfg:5: ", "cfg:6: ", "cfg:7: " };
	for (int i = 0; i < 6; i++)
		assert_true(strncmp(s.bad[i], want[i], strlen(want[i])) == 0);
	assert_non_null(strstr(s.bad[0], "NAME = VALUE"));
	assert_non_null(strstr(s.bad[3], "frobnicate"));
	assert_non_null(strstr(s.bad[4], "rank"));
	/* Good lines on both sides of the bad ones were applied. */
	assert_close(s.cfg.lr, 0.05, 0, 0);
	assert_close(s.cfg.lambda, 0.25, 0, 0);
	/* The refused rank left the default. */
	ls_config d;
	ls_config_defaults(&d);
	assert_int_equal(s.cfg.rank, d.rank);
}

static void test_path_and_missing_file(void **state)
{
	(void)state;
	char buf[256];
	setenv("XDG_CONFIG_HOME", "/x/y", 1);
	assert_true(ls_userconfig_path(buf, sizeof buf));
	assert_string_equal(buf, "/x/y/lorascope/config");
	setenv("XDG_CONFIG_HOME", "", 1);
	setenv("HOME", "/h", 1);
	assert_true(ls_userconfig_path(buf, sizeof buf));
	assert_string_equal(buf, "/h/.config/lorascope/config");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	assert_false(ls_userconfig_path(buf, sizeof buf));

	sink_state s;
	memset(&s, 0, sizeof s);
	ls_config_defaults(&s.cfg);
	ls_userconfig_sink sink = { set, bad, &s };
	size_t nbad = 7;
	ls_error err;
	assert_ok(ls_userconfig_load("/nonexistent/lorascope/config", &sink, &nbad, &err));
	assert_int_equal(nbad, 0);

	/* A real file: its name and line numbers in the messages. */
	char dir[] = "/tmp/lorascope-ucfg-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/config", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("rank = 2\n\nbogus line\n", f);
	fclose(f);
	assert_ok(ls_userconfig_load(path, &sink, &nbad, &err));
	assert_int_equal(nbad, 1);
	assert_int_equal(s.cfg.rank, 2);
	char want[160];
	snprintf(want, sizeof want, "%s:3: ", path);
	assert_true(strncmp(s.bad[0], want, strlen(want)) == 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_bad_lines_named_and_skipped),
		cmocka_unit_test(test_path_and_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
