/* test_keys.c — the action table: every SPEC §4 key bound to its action, no key bound
 * twice, every action documented and reachable, remapping, key names, help and man text. */
#include "testutil.h"

#include <stdbool.h>

#include "../../src/tui/keys.h"

static void test_no_duplicates_every_action_documented(void **state)
{
	(void)state;
	ls_keymap km;
	ls_keymap_defaults(&km);
	/* Each default key appears once in the declaration. */
	for (int a = 1; a < LS_ACT_COUNT; a++)
		for (int k = 0; k < 2; k++) {
			int key = ls_actions[a].keys[k];
			if (key == LS_KEY_NONE)
				continue;
			for (int b = 1; b < LS_ACT_COUNT; b++)
				for (int j = 0; j < 2; j++)
					if ((b != a || j != k) && ls_actions[b].keys[j] == key)
						fail_msg("key %d bound to %s and %s", key,
							 ls_actions[a].name, ls_actions[b].name);
			assert_int_equal(ls_keymap_lookup(&km, key), a);
		}
	for (int a = 1; a < LS_ACT_COUNT; a++) {
		assert_true(strlen(ls_actions[a].help) > 3);
		assert_true(strlen(ls_actions[a].name) > 0);
		assert_int_equal(ls_action_find(ls_actions[a].name), a);
		char keys[48];
		ls_keymap_keys_text(&km, (ls_action)a, keys, sizeof keys);
		if (!keys[0])
			fail_msg("action %s has no key", ls_actions[a].name);
	}
}

static void test_spec_keys(void **state)
{
	(void)state;
	ls_keymap km;
	ls_keymap_defaults(&km);
	struct {
		int key;
		ls_action a;
	} spec[] = { { ' ', LS_ACT_PAUSE },         { 'n', LS_ACT_STEP },
		     { 'q', LS_ACT_QUIT },          { '?', LS_ACT_HELP },
		     { LS_KEY_F(1), LS_ACT_HELP },  { 'l', LS_ACT_LAMBDA_DOWN },
		     { 'L', LS_ACT_LAMBDA_UP },     { 'r', LS_ACT_RANK_DOWN },
		     { 'R', LS_ACT_RANK_UP },       { 'i', LS_ACT_INIT_NEXT },
		     { 'I', LS_ACT_INIT_PREV },     { 'e', LS_ACT_LR_DOWN },
		     { 'E', LS_ACT_LR_UP },         { 'o', LS_ACT_OPTIM },
		     { 'p', LS_ACT_PROBLEM },       { 'x', LS_ACT_RESET },
		     { 'k', LS_ACT_KICK },          { 'b', LS_ACT_BASELINE },
		     { 's', LS_ACT_SNAPSHOT },      { 'w', LS_ACT_TRACE },
		     { 'g', LS_ACT_FLOW },          { 12, LS_ACT_REDRAW },
		     { LS_KEY_F(2), LS_ACT_SETUP }, { 'z', LS_ACT_ZOOM } };
	for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++)
		assert_int_equal(ls_keymap_lookup(&km, spec[i].key), spec[i].a);
	assert_int_equal(ls_keymap_lookup(&km, 'Z'), LS_ACT_NONE);
}

static void test_remap(void **state)
{
	(void)state;
	ls_keymap km;
	ls_error err;
	ls_keymap_defaults(&km);
	assert_ok(ls_keymap_bind_spec(&km, "j=lr-down", &err));
	assert_int_equal(ls_keymap_lookup(&km, 'j'), LS_ACT_LR_DOWN);
	/* Rebinding a key replaces its action; the old action keeps its other keys. */
	assert_ok(ls_keymap_bind_spec(&km, "q=help", &err));
	assert_int_equal(ls_keymap_lookup(&km, 'q'), LS_ACT_HELP);
	char keys[48];
	ls_keymap_keys_text(&km, LS_ACT_HELP, keys, sizeof keys);
	assert_string_equal(keys, "?/F1/q");
	ls_keymap_keys_text(&km, LS_ACT_QUIT, keys, sizeof keys);
	assert_string_equal(keys, "");
	assert_ok(ls_keymap_bind_spec(&km, "^R=redraw", &err));
	assert_int_equal(ls_keymap_lookup(&km, 18), LS_ACT_REDRAW);
	assert_ok(ls_keymap_bind_spec(&km, "F5=quit", &err));
	assert_int_equal(ls_keymap_lookup(&km, LS_KEY_F(5)), LS_ACT_QUIT);
	assert_int_equal(ls_keymap_bind_spec(&km, "j=fly", &err), LS_EINVAL);
	assert_non_null(strstr(err.msg, "fly"));
	assert_int_equal(ls_keymap_bind_spec(&km, "jj=quit", &err), LS_EINVAL);
	assert_int_equal(ls_keymap_bind_spec(&km, "quit", &err), LS_EINVAL);
	assert_int_equal(ls_keymap_lookup(&km, 'j'), LS_ACT_LR_DOWN);
}

/* The key a hint names: the first default key; after a remap the user's key, even when
 * the defaults still work; the last of several user keys; "(unbound)" when none is left. */
static void test_hints(void **state)
{
	(void)state;
	ls_keymap km;
	ls_error err;
	ls_keymap_defaults(&km);
	char h[LS_KEYS_HINT_LEN];
	assert_string_equal(ls_keys_hint(&km, LS_ACT_RESET, h, sizeof h), "x");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_HELP, h, sizeof h), "?");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_SETUP, h, sizeof h), "F2");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_PAUSE, h, sizeof h), "space");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_ROW_BACK, h, sizeof h), "Left");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_SPEED_UP, h, sizeof h), "+");
	/* h added to help: ? and F1 still work, the hint names h. */
	assert_ok(ls_keymap_bind_spec(&km, "h=help", &err));
	assert_string_equal(ls_keys_hint(&km, LS_ACT_HELP, h, sizeof h), "h");
	/* A key taken from another action (r, bound before help in the table) counts as the
	 * latest: the hint follows it, and rank-down is left with no key. */
	assert_ok(ls_keymap_bind_spec(&km, "r=help", &err));
	assert_string_equal(ls_keys_hint(&km, LS_ACT_HELP, h, sizeof h), "r");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_RANK_DOWN, h, sizeof h), LS_KEYS_UNBOUND);
	char keys[48];
	ls_keymap_keys_text(&km, LS_ACT_HELP, keys, sizeof keys);
	assert_string_equal(keys, "?/F1/h/r");
	/* Rebinding a default key to its own action names the default again. */
	assert_ok(ls_keymap_bind_spec(&km, "h=reset", &err));
	assert_ok(ls_keymap_bind_spec(&km, "r=kick", &err));
	assert_string_equal(ls_keys_hint(&km, LS_ACT_HELP, h, sizeof h), "?");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_RESET, h, sizeof h), "h");
	/* F1 kept, ? moved away: the hint names F1. */
	assert_ok(ls_keymap_bind_spec(&km, "?=redraw", &err));
	assert_string_equal(ls_keys_hint(&km, LS_ACT_HELP, h, sizeof h), "F1");
	assert_string_equal(ls_keys_hint(&km, LS_ACT_REDRAW, h, sizeof h), "?");
	/* Function and named keys by name; a short buffer cuts, terminated. */
	assert_ok(ls_keymap_bind_spec(&km, "F7=setup", &err));
	assert_string_equal(ls_keys_hint(&km, LS_ACT_SETUP, h, sizeof h), "F7");
	assert_ok(ls_keymap_bind_spec(&km, "S-Right=last", &err));
	assert_string_equal(ls_keys_hint(&km, LS_ACT_LAST, h, sizeof h), "S-Right");
	char tiny[4];
	assert_string_equal(ls_keys_hint(&km, LS_ACT_LAST, tiny, sizeof tiny), "S-R");
}

static void test_key_names_round_trip(void **state)
{
	(void)state;
	int keys[] = { ' ', 'a', 'Z', '?', 12, 1, LS_KEY_F(1), LS_KEY_F(12) };
	const char *names[] = { "space", "a", "Z", "?", "^L", "^A", "F1", "F12" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char buf[16];
		ls_key_name(keys[i], buf, sizeof buf);
		assert_string_equal(buf, names[i]);
		assert_int_equal(ls_key_parse(buf), keys[i]);
	}
	assert_int_equal(ls_key_parse(""), LS_KEY_NONE);
	assert_int_equal(ls_key_parse("F99"), LS_KEY_NONE);
}

static void test_help_and_man_list_every_action(void **state)
{
	(void)state;
	ls_keymap km;
	ls_keymap_defaults(&km);
	char text[8192] = "";
	char line[160];
	for (int i = 0; ls_keymap_help_line(&km, i, line, sizeof line); i++) {
		strcat(text, line);
		strcat(text, "\n");
	}
	char man[8192] = "";
	FILE *f = fmemopen(man, sizeof man - 1, "w");
	assert_non_null(f);
	ls_keys_write_man(f);
	fclose(f);
	assert_non_null(strstr(man, ".SH INTERACTIVE COMMANDS"));
	for (int a = 1; a < LS_ACT_COUNT; a++) {
		if (!strstr(text, ls_actions[a].help))
			fail_msg("help overlay misses %s", ls_actions[a].name);
		if (!strstr(man, ls_actions[a].help))
			fail_msg("man section misses %s", ls_actions[a].name);
	}
	assert_non_null(strstr(text, "?/F1"));
	assert_non_null(strstr(text, "[tune]"));
}

/* --key KEY=ACTION and the defaults file take action names: the overlay and the man page
 * must show them beside the keys (roff minus signs in the page). */
static void test_help_and_man_show_action_names(void **state)
{
	(void)state;
	ls_keymap km;
	ls_keymap_defaults(&km);
	char line[160];
	bool seen_lr_down = false;
	for (int i = 0; ls_keymap_help_line(&km, i, line, sizeof line); i++)
		if (strstr(line, " e ") && strstr(line, " lr-down ") &&
		    strstr(line, "halve the step"))
			seen_lr_down = true;
	assert_true(seen_lr_down);
	char man[8192] = "";
	FILE *f = fmemopen(man, sizeof man - 1, "w");
	assert_non_null(f);
	ls_keys_write_man(f);
	fclose(f);
	assert_non_null(strstr(man, ".BR \"e\" \" (\\fIlr\\-down\\fP)\"\nhalve the step"));
	assert_non_null(strstr(man, ".BR \"space\" \" (\\fIpause\\fP)\"\n"));
	for (int a = 1; a < LS_ACT_COUNT; a++) {
		char want[64] = "(\\fI";
		size_t k = strlen(want);
		for (const char *c = ls_actions[a].name; *c; c++) {
			if (*c == '-')
				want[k++] = '\\';
			want[k++] = *c;
		}
		want[k] = '\0';
		if (!strstr(man, want))
			fail_msg("man section misses the name of %s", ls_actions[a].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_duplicates_every_action_documented),
		cmocka_unit_test(test_spec_keys),
		cmocka_unit_test(test_remap),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_key_names_round_trip),
		cmocka_unit_test(test_help_and_man_list_every_action),
		cmocka_unit_test(test_help_and_man_show_action_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
