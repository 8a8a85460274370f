/* keys.c — the action table, the remappable key map, help and man text (see keys.h). */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

const ls_action_info ls_actions[LS_ACT_COUNT] = {
	[LS_ACT_NONE] = { "", "", { LS_KEY_NONE, LS_KEY_NONE }, "" },
#define LS_ACTION_INFO(id, name, group, k1, k2, help) \
	[LS_ACT_##id] = { name, group, { k1, k2 }, help },
	LS_ACTION_LIST(LS_ACTION_INFO)
#undef LS_ACTION_INFO
};

static const char *const groups[] = { "run", "tune", "view", "files", "replay, watch" };

static const char *const named_keys[] = {
#define LS_NAMED_KEY_NAME(id, name) name,
	LS_NAMED_KEY_LIST(LS_NAMED_KEY_NAME)
#undef LS_NAMED_KEY_NAME
};

void ls_keymap_defaults(ls_keymap *km)
{
	km->n = 0;
	for (int a = 1; a < LS_ACT_COUNT; a++)
		for (int k = 0; k < 2; k++)
			if (ls_actions[a].keys[k] != LS_KEY_NONE)
				ls_keymap_bind(km, ls_actions[a].keys[k], (ls_action)a, NULL);
}

ls_status ls_keymap_bind(ls_keymap *km, int key, ls_action action, ls_error *err)
{
	if (key == LS_KEY_NONE)
		return ls_error_set(err, LS_EINVAL, "keys: no key given");
	if (action <= LS_ACT_NONE || action >= LS_ACT_COUNT)
		return ls_error_set(err, LS_EINVAL, "keys: unknown action");
	for (int i = 0; i < km->n; i++)
		if (km->b[i].key == key) {
			memmove(&km->b[i], &km->b[i + 1],
				(size_t)(km->n - i - 1) * sizeof km->b[0]);
			km->b[km->n - 1].key = key;
			km->b[km->n - 1].action = action;
			return LS_OK;
		}
	if (km->n >= LS_KEYMAP_MAX)
		return ls_error_set(err, LS_ETOOBIG, "keys: more than %d bindings", LS_KEYMAP_MAX);
	km->b[km->n].key = key;
	km->b[km->n].action = action;
	km->n++;
	return LS_OK;
}

ls_status ls_keymap_bind_spec(ls_keymap *km, const char *spec, ls_error *err)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec)
		return ls_error_set(err, LS_EINVAL, "keys: '%s' is not KEY=ACTION", spec);
	char kname[16];
	size_t kl = (size_t)(eq - spec);
	if (kl >= sizeof kname)
		return ls_error_set(err, LS_EINVAL, "keys: '%s': key name too long", spec);
	memcpy(kname, spec, kl);
	kname[kl] = '\0';
	int key = ls_key_parse(kname);
	if (key == LS_KEY_NONE)
		return ls_error_set(err, LS_EINVAL, "keys: '%s' is not a key name", kname);
	ls_action a = ls_action_find(eq + 1);
	if (a == LS_ACT_NONE)
		return ls_error_set(err, LS_EINVAL, "keys: '%s' is not an action", eq + 1);
	return ls_keymap_bind(km, key, a, err);
}

ls_action ls_keymap_lookup(const ls_keymap *km, int key)
{
	for (int i = 0; i < km->n; i++)
		if (km->b[i].key == key)
			return km->b[i].action;
	return LS_ACT_NONE;
}

void ls_keymap_keys_text(const ls_keymap *km, ls_action action, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < km->n; i++) {
		if (km->b[i].action != action)
			continue;
		char name[16];
		ls_key_name(km->b[i].key, name, sizeof name);
		size_t need = strlen(name) + (used ? 1 : 0);
		if (used + need + 1 > len)
			break;
		if (used)
			buf[used++] = '/';
		strcpy(buf + used, name);
		used += strlen(name);
	}
}

const char *ls_keys_hint(const ls_keymap *km, ls_action action, char *buf, size_t len)
{
	int pick = -1;
	for (int i = km->n - 1; i >= 0 && pick < 0; i--) {
		int key = km->b[i].key;
		if (km->b[i].action == action && key != ls_actions[action].keys[0] &&
		    key != ls_actions[action].keys[1])
			pick = i;
	}
	for (int i = 0; i < km->n && pick < 0; i++)
		if (km->b[i].action == action)
			pick = i;
	if (pick < 0)
		snprintf(buf, len, "%s", LS_KEYS_UNBOUND);
	else
		ls_key_name(km->b[pick].key, buf, len);
	return buf;
}

ls_action ls_action_find(const char *name)
{
	for (int a = 1; a < LS_ACT_COUNT; a++)
		if (strcmp(ls_actions[a].name, name) == 0)
			return (ls_action)a;
	return LS_ACT_NONE;
}

void ls_key_name(int key, char *buf, size_t len)
{
	if (key == ' ')
		snprintf(buf, len, "space");
	else if (key > LS_KEY_F(0) && key <= LS_KEY_F(63))
		snprintf(buf, len, "F%d", key - LS_KEY_F(0));
	else if (key > LS_KEY_NAMED_BASE && key < LS_KEY_NAMED_END)
		snprintf(buf, len, "%s", named_keys[key - LS_KEY_NAMED_BASE - 1]);
	else if (key > 0 && key < 32)
		snprintf(buf, len, "^%c", key + '@');
	else if (key > 32 && key < 127)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "#%d", key);
}

int ls_key_parse(const char *name)
{
	size_t l = strlen(name);
	if (strcmp(name, "space") == 0)
		return ' ';
	if (l == 1 && name[0] > 32 && name[0] < 127)
		return name[0];
	if (l == 2 && name[0] == '^' && name[1] >= '@' && name[1] <= '_')
		return name[1] - '@';
	if (l == 2 && name[0] == '^' && name[1] >= 'a' && name[1] <= 'z')
		return name[1] - 'a' + 1;
	for (int k = LS_KEY_NAMED_BASE + 1; k < LS_KEY_NAMED_END; k++)
		if (strcmp(name, named_keys[k - LS_KEY_NAMED_BASE - 1]) == 0)
			return k;
	if (l >= 2 && l <= 3 && name[0] == 'F') {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 63)
			return LS_KEY_F((int)n);
	}
	return LS_KEY_NONE;
}

int ls_keymap_help_line(const ls_keymap *km, int i, char *buf, size_t len)
{
	int line = 0;
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		if (line++ == i) {
			snprintf(buf, len, "[%s]", groups[g]);
			return 1;
		}
		for (int a = 1; a < LS_ACT_COUNT; a++) {
			if (strcmp(ls_actions[a].group, groups[g]) != 0)
				continue;
			if (line++ == i) {
				char keys[48];
				ls_keymap_keys_text(km, (ls_action)a, keys, sizeof keys);
				snprintf(buf, len, "  %-12s %-11s %s", keys[0] ? keys : "(none)",
					 ls_actions[a].name, ls_actions[a].help);
				return 1;
			}
		}
	}
	return 0;
}

void ls_keys_write_man(FILE *out)
{
	ls_keymap km;
	ls_keymap_defaults(&km);
	fputs(".SH INTERACTIVE COMMANDS\n", out);
	for (int a = 1; a < LS_ACT_COUNT; a++) {
		char keys[48];
		ls_keymap_keys_text(&km, (ls_action)a, keys, sizeof keys);
		/* The action's name (what --key KEY=ACTION and the defaults file take), with roff's
		 * minus sign for its hyphens. */
		char name[48];
		size_t k = 0;
		for (const char *c = ls_actions[a].name; *c && k + 3 < sizeof name; c++) {
			if (*c == '-')
				name[k++] = '\\';
			name[k++] = *c;
		}
		name[k] = '\0';
		fprintf(out, ".TP\n.BR \"%s\" \" (\\fI%s\\fP)\"\n%s.\n", keys, name,
			ls_actions[a].help);
	}
}
