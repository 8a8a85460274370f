/* test_opts.c — the option engine: --a=b and --a b, flags, missing values (at the end and
 * before the next option), unknown options, "takes no value", repeated options, positional
 * arguments and "--", defaults from the table, the defaults file's flag values, rows made
 * from LS_PARAM_LIST, and --help wrapped within 79 columns under one help column. */
#include "testutil.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/mat.h"
#include "lorascope/opts.h"

static const char *const colours[] = { "red", "green", "blue", NULL };

typedef struct {
	bool verbose, help;
	long count;
	double rate;
	int colour;
	const char *out;
	char seen[4][32]; /* the values of --tag, in order */
	int ntags;
	ls_config cfg; /* parameters given */
	int nparams;
} target;

static ls_status tag(void *t_, const ls_opt *o, const char *value, ls_error *err)
{
	target *t = t_;
	if (t->ntags == 4)
		return ls_error_set(err, LS_EINVAL, "--%s: at most 4", o->name);
	snprintf(t->seen[t->ntags++], sizeof t->seen[0], "%s", value);
	return LS_OK;
}

static ls_status param(void *t_, const ls_opt *o, const char *value, ls_error *err)
{
	target *t = t_;
	assert_string_equal(ls_params[o->param].name, o->name);
	t->nparams++;
	return ls_config_set(&t->cfg, o->name, value, err);
}

#define LONG_HELP                                                                              \
	"a help text long enough to need several lines in an eighty-column terminal, so that " \
	"the wrapping is seen to keep every line within the width and each continuation "      \
	"under the help column"

static const ls_opt rows[] = {
	{ .name = "verbose",
	  .short_name = 'v',
	  .kind = LS_OPT_FLAG,
	  .group = "general",
	  .help = "say more",
	  .offset = offsetof(target, verbose) },
	{ .name = "count",
	  .kind = LS_OPT_INT,
	  .arg = "N",
	  .group = "general",
	  .def = "5",
	  .help = LONG_HELP,
	  .lo = 0,
	  .hi = 100,
	  .offset = offsetof(target, count) },
	{ .name = "rate",
	  .kind = LS_OPT_REAL,
	  .arg = "X",
	  .group = "general",
	  .def = "0.5",
	  .help = "a rate",
	  .lo = 0,
	  .hi = 1,
	  .offset = offsetof(target, rate) },
	{ .name = "colour",
	  .kind = LS_OPT_CHOICE,
	  .arg = "NAME",
	  .group = "look",
	  .def = "green",
	  .help = "a colour",
	  .choices = colours,
	  .offset = offsetof(target, colour) },
	{ .name = "out",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "look",
	  .help = "where to write",
	  .offset = offsetof(target, out) },
	{ .name = "a-very-long-option-name-indeed",
	  .kind = LS_OPT_CALL,
	  .arg = "TAG",
	  .group = "look",
	  .help = "a row whose option is wider than the option column",
	  .call = tag },
	{ .name = "tag",
	  .kind = LS_OPT_CALL,
	  .arg = "TAG",
	  .group = "look",
	  .help = "add a tag; repeatable",
	  .call = tag },
	LS_OPT_HELP_ROW(target, help, "look"),
};

static const ls_opts_spec spec = {
	.opts = rows,
	.nopts = sizeof rows / sizeof rows[0],
	.max_args = 2,
	.usage = "usage: test [options] [A [B]]\n",
	.tail = "the end\n",
};

/* Parse the NULL-terminated words after "test" with s into t (its defaults first); the
 * positional arguments into a. */
static ls_status parse_with(const ls_opts_spec *s, target *t, const char **a, size_t *na,
			    ls_error *err, ...)
{
	char *argv[32] = { (char *)"test" };
	int argc = 1;
	va_list ap;
	va_start(ap, err);
	for (const char *w; (w = va_arg(ap, const char *));)
		argv[argc++] = (char *)w;
	va_end(ap);
	memset(t, 0, sizeof *t);
	ls_config_defaults(&t->cfg);
	assert_ok(ls_opts_defaults(s, t, NULL));
	ls_error_clear(err);
	return ls_opts_parse(s, argc, argv, t, a, na, err);
}
#define parse(...) parse_with(&spec, __VA_ARGS__)

static void test_defaults(void **state)
{
	(void)state;
	target t;
	ls_error err;
	size_t na = 9;
	assert_ok(parse(&t, NULL, &na, &err, NULL));
	assert_int_equal(na, 0);
	assert_false(t.verbose);
	assert_int_equal(t.count, 5);
	assert_close(t.rate, 0.5, 0, 0);
	assert_int_equal(t.colour, 1);
	assert_null(t.out);
	/* A default the row refuses is the table's error. */
	ls_opt bad = rows[1];
	bad.def = "500";
	ls_opts_spec s = { .opts = &bad, .nopts = 1 };
	assert_int_equal(ls_opts_defaults(&s, &t, &err), LS_ERANGE);
	assert_non_null(strstr(err.msg, "--count"));
}

static void test_values(void **state)
{
	(void)state;
	target t;
	ls_error err;
	assert_ok(parse(&t, NULL, NULL, &err, "--count=7", "--rate", "0.25", "--colour", "blue",
			"--out=x.csv", "-v", NULL));
	assert_int_equal(t.count, 7);
	assert_close(t.rate, 0.25, 0, 0);
	assert_int_equal(t.colour, 2);
	assert_string_equal(t.out, "x.csv");
	assert_true(t.verbose);
	/* A value may start with one '-'; "--a=" gives an empty value. */
	assert_int_equal(parse(&t, NULL, NULL, &err, "--rate", "-0.5", NULL), LS_ERANGE);
	assert_string_equal(err.msg, "--rate: -0.5 is outside [0, 1]");
	assert_int_equal(parse(&t, NULL, NULL, &err, "--out=", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--out: empty value");
	assert_int_equal(parse(&t, NULL, NULL, &err, "--count", "7x", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--count: '7x' is not an integer");
	assert_int_equal(parse(&t, NULL, NULL, &err, "--colour=pink", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--colour: 'pink' is not one of red, green, blue");
}

static void test_errors(void **state)
{
	(void)state;
	target t;
	ls_error err;
	assert_int_equal(parse(&t, NULL, NULL, &err, "--count", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--count: missing value");
	assert_int_equal(parse(&t, NULL, NULL, &err, "--count", "--rate", "1", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--count: missing value (before --rate)");
	assert_int_equal(parse(&t, NULL, NULL, &err, "--bogus", "3", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--bogus: unknown option (see --help)");
	assert_int_equal(parse(&t, NULL, NULL, &err, "--bogus=3", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--bogus: unknown option (see --help)");
	assert_int_equal(parse(&t, NULL, NULL, &err, "-x", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "-x: unknown option (see --help)");
	assert_int_equal(parse(&t, NULL, NULL, &err, "-vv", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "-vv: unknown option (see --help)");
	/* A prefix of a name is not the name. */
	assert_int_equal(parse(&t, NULL, NULL, &err, "--verb", NULL), LS_EINVAL);
	assert_int_equal(parse(&t, NULL, NULL, &err, "--verbose=1", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "--verbose: takes no value");
	/* The first error stops the parse: later options are not applied. */
	assert_int_equal(
		parse(&t, NULL, NULL, &err, "--count", "9", "--bogus", "--rate", "1", NULL),
		LS_EINVAL);
	assert_int_equal(t.count, 9);
	assert_close(t.rate, 0.5, 0, 0);
}

static void test_repeated(void **state)
{
	(void)state;
	target t;
	ls_error err;
	assert_ok(parse(&t, NULL, NULL, &err, "--count", "1", "--tag", "a", "--count=2", "--tag=b",
			"--tag", "c", "--out", "x", "--out", "y", NULL));
	assert_int_equal(t.count, 2);
	assert_string_equal(t.out, "y");
	assert_int_equal(t.ntags, 3);
	assert_string_equal(t.seen[0], "a");
	assert_string_equal(t.seen[1], "b");
	assert_string_equal(t.seen[2], "c");
	/* A call's refusal is the parse's error, with the call's message. */
	assert_int_equal(parse(&t, NULL, NULL, &err, "--tag", "1", "--tag", "2", "--tag", "3",
			       "--tag", "4", "--tag", "5", NULL),
			 LS_EINVAL);
	assert_string_equal(err.msg, "--tag: at most 4");
}

static void test_positional(void **state)
{
	(void)state;
	target t;
	ls_error err;
	const char *a[2] = { NULL, NULL };
	size_t na = 0;
	assert_ok(parse(&t, a, &na, &err, "one", "--count", "3", "-", NULL));
	assert_int_equal(na, 2);
	assert_string_equal(a[0], "one");
	assert_string_equal(a[1], "-");
	assert_int_equal(t.count, 3);
	assert_int_equal(parse(&t, a, &na, &err, "one", "two", "three", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "unexpected argument 'three' (see --help)");
	/* After "--" everything is an argument. */
	assert_ok(parse(&t, a, &na, &err, "--", "--count", "-v", NULL));
	assert_int_equal(na, 2);
	assert_string_equal(a[0], "--count");
	assert_string_equal(a[1], "-v");
	assert_int_equal(t.count, 5);
	assert_false(t.verbose);
	/* A spec without arguments refuses the first. */
	ls_opts_spec none = spec;
	none.max_args = 0;
	assert_int_equal(parse_with(&none, &t, NULL, NULL, &err, "stray", NULL), LS_EINVAL);
	assert_string_equal(err.msg, "unexpected argument 'stray' (see --help)");
}

static void test_store_file_values(void **state)
{
	(void)state;
	target t;
	ls_error err;
	memset(&t, 0, sizeof t);
	const ls_opt *v = ls_opts_find(&spec, "verbose");
	assert_non_null(v);
	assert_null(ls_opts_find(&spec, "verb"));
	assert_ok(ls_opts_store(v, &t, "yes", &err));
	assert_true(t.verbose);
	assert_ok(ls_opts_store(v, &t, "false", &err));
	assert_false(t.verbose);
	assert_ok(ls_opts_store(v, &t, NULL, &err));
	assert_true(t.verbose);
	assert_int_equal(ls_opts_store(v, &t, "maybe", &err), LS_EINVAL);
	assert_string_equal(err.msg, "--verbose: 'maybe' is not true or false");
	assert_ok(ls_opts_store(ls_opts_find(&spec, "tag"), &t, "z", &err));
	assert_int_equal(t.ntags, 1);
}

/* The rows LS_OPT_PARAM_ROW makes from LS_PARAM_LIST: one per parameter, in its order, with
 * its group, default and choices, FILE for the file parameters; set through the call. */
#define TEST_PARAM_ROW(...) LS_OPT_PARAM_ROW(param, __VA_ARGS__)
static const ls_opt param_rows[] = { LS_PARAM_LIST(TEST_PARAM_ROW) };
#undef TEST_PARAM_ROW

static void test_param_rows(void **state)
{
	(void)state;
	assert_int_equal(sizeof param_rows / sizeof param_rows[0], LS_PARAM_COUNT);
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		const ls_opt *o = &param_rows[i];
		assert_int_equal(o->param, i);
		assert_string_equal(o->name, ls_params[i].name);
		assert_string_equal(o->group, ls_params[i].group);
		assert_string_equal(o->def, ls_params[i].def);
		assert_ptr_equal(o->choices, ls_params[i].choices);
		assert_string_equal(o->arg, ls_params[i].type == LS_P_TEXT ? "FILE" : "VALUE");
	}
	ls_opts_spec ps = { .opts = param_rows, .nopts = LS_PARAM_COUNT };
	target t;
	ls_error err;
	assert_ok(parse_with(&ps, &t, NULL, NULL, &err, "--lambda", "0.1", "--optimizer=adam",
			     "--rank", "3", NULL));
	assert_int_equal(t.nparams, 3);
	assert_close(t.cfg.lambda, 0.1, 0, 0);
	assert_int_equal(t.cfg.optimizer, LS_OPTIM_ADAM);
	assert_int_equal(t.cfg.rank, 3);
	assert_int_equal(parse_with(&ps, &t, NULL, NULL, &err, "--lambda", "x", NULL), LS_EINVAL);
	assert_non_null(strstr(err.msg, "--lambda"));
}

/* --help into a string (the caller frees it). */
static char *help_text(const ls_opts_spec *s)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	ls_opts_help(s, f);
	long len = ftell(f);
	assert_true(len > 0);
	char *buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Every line of text within LS_OPTS_HELP_WIDTH columns (all ASCII here); every line that
 * does not start an option, a heading or the usage is a continuation under the help column. */
static void check_lines(const char *text)
{
	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");
		if (len > LS_OPTS_HELP_WIDTH)
			fail_msg("%zu columns: %.*s", len, (int)len, l);
		if (len > 0 && l[0] == ' ' && strncmp(l, "  -", 3) != 0) {
			size_t blanks = strspn(l, " ");
			if (blanks != LS_OPTS_HELP_COL)
				fail_msg("continuation at column %zu: %.*s", blanks, (int)len, l);
		}
		l += len + (l[len] == '\n');
	}
}

static void test_help(void **state)
{
	(void)state;
	char *h = help_text(&spec);
	check_lines(h);
	assert_ptr_equal(strstr(h, "usage: test [options] [A [B]]\n\ngeneral:\n  -v, --verbose"),
			 h);
	/* Each group's heading once, before its rows; the tail last after a blank line. */
	assert_non_null(strstr(h, "\nlook:\n  --colour NAME"));
	assert_null(strstr(strstr(h, "general:") + 1, "general:"));
	assert_non_null(strstr(h, "\n\nthe end\n"));
	/* The help starts in its column; choices and the default follow it, and "[default: x]"
	 * is never split. */
	assert_non_null(strstr(h, "\n  --rate X                 a rate [default: 0.5]\n"));
	assert_non_null(strstr(h, "a colour (one of: red, green, blue) [default: green]\n"));
	assert_non_null(strstr(h, "[default: 5]"));
	/* The long help wraps onto several lines, no word lost. */
	const char *c = strstr(h, "  --count N");
	assert_non_null(c);
	const char *end = strstr(c, "[default: 5]");
	int lines = 0;
	for (const char *p = c; p < end; p++)
		lines += *p == '\n';
	assert_true(lines >= 2);
	char flat[1024];
	size_t n = 0;
	for (const char *p = c + LS_OPTS_HELP_COL; p < end && n + 1 < sizeof flat; p++)
		if (!((*p == ' ' || *p == '\n') && n && flat[n - 1] == ' '))
			flat[n++] = *p == '\n' ? ' ' : *p;
	flat[n] = '\0';
	assert_string_equal(flat, LONG_HELP " ");
	/* An option wider than the column: its help on the next line. */
	assert_non_null(strstr(h, "  --a-very-long-option-name-indeed TAG\n"
				  "                           a row whose"));
	/* A value row without a default shows none; a file parameter's "" shows "none". */
	assert_non_null(strstr(h, "  --out FILE               where to write\n"));
	free(h);
	ls_opts_spec ps = { .opts = param_rows, .nopts = LS_PARAM_COUNT, .usage = "" };
	h = help_text(&ps);
	check_lines(h);
	assert_non_null(strstr(h, "  --w0 FILE "));
	assert_non_null(strstr(h, "[default: none]"));
	assert_null(strstr(h, "[default: ]"));
	free(h);
}

/* --max-memory: sizes with K/M/G/T (powers of 1024) set the memory guard; junk is refused
 * and leaves it as it was. */
static void test_max_memory(void **state)
{
	(void)state;
	static const ls_opt row = LS_OPT_MAX_MEMORY_ROW("g");
	static const struct {
		const char *value;
		size_t bytes;
	} good[] = { { "1G", (size_t)1 << 30 },       { "1.5K", 1536 },
		     { "512MiB", (size_t)512 << 20 }, { "2048", 2048 },
		     { "3gb", (size_t)3 << 30 },      { "1T", (size_t)1 << 40 } };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_ok(ls_opts_max_memory(NULL, &row, good[i].value, NULL));
		assert_int_equal(ls_mem_limit(), good[i].bytes);
	}
	static const char *const bad[] = { "", "0", "-1G", "1X", "G", "1GG", "nan", "1e400" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ls_error err;
		assert_int_equal(ls_opts_max_memory(NULL, &row, bad[i], &err), LS_EINVAL);
		assert_non_null(strstr(err.msg, "--max-memory: '"));
		assert_int_equal(ls_mem_limit(), (size_t)1 << 40);
	}
	ls_mem_set_limit(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),     cmocka_unit_test(test_repeated),
		cmocka_unit_test(test_positional), cmocka_unit_test(test_store_file_values),
		cmocka_unit_test(test_param_rows), cmocka_unit_test(test_help),
		cmocka_unit_test(test_max_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
