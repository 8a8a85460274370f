/* setup.c — the F2 setup form: draw and keys (see setup.h) (curses). */
#include "setup.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "lorascope/config.h"
#include "theme.h"

/* The value being edited at (y, x): selected (reversed) as the form opens it, so typing
 * replaces it; once edited, the cursor as a reversed cell ("_" past the end). */
static void draw_edit(const ls_ui *ui, int y, int x, int max)
{
	int len = (int)strlen(ui->edit);
	if (max <= 0)
		return;
	if (ui->edit_fresh) {
		attrset(ls_theme_attr(LS_ROLE_WARN) ^ A_REVERSE);
		mvaddnstr(y, x, ui->edit, len < max ? len : max);
		attrset(A_NORMAL);
		return;
	}
	int cur = ui->edit_cur < len ? ui->edit_cur : len;
	if (cur >= max)
		return;
	char cell[2] = { cur < len ? ui->edit[cur] : '_', '\0' };
	attrset(ls_theme_attr(LS_ROLE_WARN) ^ A_REVERSE);
	mvaddstr(y, x + cur, cell);
	attrset(A_NORMAL);
}

void ls_setup_draw(ls_ui *ui, const ls_view *v)
{
	const ls_layout *L = &ui->layout;
	ls_rect r = { 0, 0, L->lines - 1, L->cols };
	char key[LS_KEYS_HINT_LEN], title[96];
	snprintf(title, sizeof title,
		 "setup (%s): Up/Down choose, Enter edits and applies, Esc leaves",
		 ls_keys_hint(&ui->keys, LS_ACT_SETUP, key, sizeof key));
	ls_draw_box(ui, r, title);
	/* The list, then one line with the selected parameter's whole help (the column cuts it
	 * on narrow screens) or, while editing, the editing keys. */
	int rows = r.h - 4;
	if (ui->setup_sel < ui->setup_top)
		ui->setup_top = ui->setup_sel;
	if (ui->setup_sel >= ui->setup_top + rows)
		ui->setup_top = ui->setup_sel - rows + 1;
	ls_draw_text(r.y + 1, 2, r.w - 4, LS_ROLE_LABEL,
		     "parameter         value             group     help");
	for (int i = 0; i < rows && ui->setup_top + i < LS_PARAM_COUNT; i++) {
		int id = ui->setup_top + i;
		const ls_param_info *p = &ls_params[id];
		char val[112], line[400];
		bool edit_row = ui->editing && id == ui->setup_sel;
		if (edit_row)
			snprintf(val, sizeof val, "%s_", ui->edit);
		else
			ls_config_format(&v->cfg, (ls_param_id)id, val, sizeof val);
		char range[96] = "";
		if (p->type == LS_P_CHOICE && p->choices) {
			size_t used = 0;
			for (int k = 0; p->choices[k] && used + 2 < sizeof range; k++)
				used += (size_t)snprintf(range + used, sizeof range - used, "%s%s",
							 k ? "|" : "", p->choices[k]);
		} else if (p->type == LS_P_INT || p->type == LS_P_REAL) {
			snprintf(range, sizeof range, "%g..%g", p->lo, p->hi);
		}
		char bracket[100] = "";
		if (range[0])
			snprintf(bracket, sizeof bracket, " [%s]", range);
		snprintf(line, sizeof line, "%-17s %-17s %-9s %s%s", p->name, val, p->group,
			 p->help, bracket);
		ls_role role = id == ui->setup_sel ? (ui->editing ? LS_ROLE_WARN : LS_ROLE_HEADER)
						   : LS_ROLE_NORMAL;
		if (id == ui->setup_sel) {
			attrset(ls_theme_attr(role));
			mvhline(r.y + 2 + i, 1, ' ', r.w - 2);
			attrset(A_NORMAL);
		}
		ls_draw_text(r.y + 2 + i, 2, r.w - 4, role, line);
		if (edit_row)
			draw_edit(ui, r.y + 2 + i, 2 + 18, r.w - 4 - 18);
		if (id == ui->setup_sel) {
			char detail[400];
			if (ui->editing) {
				/* The editing keys, as many as fit whole. */
				char t[2][200];
				snprintf(t[0], sizeof t[0],
					 "--%s: type a value; Enter applies, Esc cancels, ^U "
					 "clears; typing replaces the selection, arrows edit",
					 p->name);
				snprintf(t[1], sizeof t[1],
					 "--%s: type a value; Enter applies, Esc cancels, ^U "
					 "clears",
					 p->name);
				const char *const tv[2] = { t[0], t[1] };
				int k = ls_text_pick(tv, 2, r.w - 4);
				snprintf(detail, sizeof detail, "%s", tv[k < 0 ? 1 : k]);
			} else {
				snprintf(detail, sizeof detail, "--%s: %s%s", p->name, p->help,
					 bracket);
			}
			ls_draw_text(r.y + r.h - 2, 2, r.w - 4, LS_ROLE_LABEL, detail);
		}
	}
}

bool ls_setup_key(ls_ui *ui, const ls_view *v, int key, ls_cmd *cmd)
{
	if (!ui->editing) {
		switch (key) {
		case KEY_UP:
			if (ui->setup_sel > 0)
				ui->setup_sel--;
			return false;
		case KEY_DOWN:
			if (ui->setup_sel < LS_PARAM_COUNT - 1)
				ui->setup_sel++;
			return false;
		case KEY_PPAGE:
			ui->setup_sel = ui->setup_sel > 10 ? ui->setup_sel - 10 : 0;
			return false;
		case KEY_NPAGE:
			ui->setup_sel = ui->setup_sel + 10 < LS_PARAM_COUNT ? ui->setup_sel + 10
									    : LS_PARAM_COUNT - 1;
			return false;
		case '\n':
		case '\r':
		case KEY_ENTER:
			ui->editing = true;
			ls_config_format(&v->cfg, (ls_param_id)ui->setup_sel, ui->edit,
					 sizeof ui->edit);
			/* Selected, as in a form: typing replaces it. */
			ui->edit_fresh = true;
			ui->edit_cur = (int)strlen(ui->edit);
			return false;
		case 27:
		case 'q':
		case KEY_F(2):
			ui->setup = false;
			return false;
		default:
			return false;
		}
	}
	int len = (int)strlen(ui->edit);
	if (ui->edit_cur > len || ui->edit_cur < 0)
		ui->edit_cur = len;
	int cur = ui->edit_cur;
	bool fresh = ui->edit_fresh;
	ui->edit_fresh = false;
	switch (key) {
	case 27:
		ui->editing = false;
		snprintf(ui->msg, sizeof ui->msg, "edit cancelled");
		ui->msg_error = false;
		return false;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (cur > 0) {
			memmove(ui->edit + cur - 1, ui->edit + cur, (size_t)(len - cur + 1));
			ui->edit_cur--;
		}
		return false;
	case KEY_DC:
		if (cur < len)
			memmove(ui->edit + cur, ui->edit + cur + 1, (size_t)(len - cur));
		return false;
	case KEY_LEFT:
		if (cur > 0)
			ui->edit_cur--;
		return false;
	case KEY_RIGHT:
		if (cur < len)
			ui->edit_cur++;
		return false;
	case KEY_HOME:
		ui->edit_cur = 0;
		return false;
	case KEY_END:
		ui->edit_cur = len;
		return false;
	case 21: /* ^U clears */
		ui->edit[0] = '\0';
		ui->edit_cur = 0;
		return false;
	case '\n':
	case '\r':
	case KEY_ENTER: {
		const ls_param_info *p = &ls_params[ui->setup_sel];
		ls_config c = v->cfg;
		ls_error err;
		if (ls_config_set(&c, p->name, ui->edit, &err) != LS_OK ||
		    ls_config_check(&c, &err) != LS_OK) {
			snprintf(ui->msg, sizeof ui->msg, "refused: %.200s", err.msg);
			ui->msg_error = true;
			return false;
		}
		memset(cmd, 0, sizeof(*cmd));
		cmd->kind = LS_CMD_SET;
		snprintf(cmd->param, sizeof cmd->param, "%s", p->name);
		snprintf(cmd->text, sizeof cmd->text, "%s", ui->edit);
		ui->editing = false;
		return true;
	}
	default:
		if (key < 32 || key >= 127) {
			ui->edit_fresh = fresh; /* a key that does not edit keeps the selection */
			return false;
		}
		if (fresh) { /* typing replaces the selected value */
			ui->edit[0] = '\0';
			len = cur = 0;
		}
		if ((size_t)len + 1 < sizeof ui->edit) {
			memmove(ui->edit + cur + 1, ui->edit + cur, (size_t)(len - cur + 1));
			ui->edit[cur] = (char)key;
			ui->edit_cur = cur + 1;
		}
		return false;
	}
}
