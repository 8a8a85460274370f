/* watch_tui.c — `lorascope watch DIR` on a terminal: a live view of a training run (curses).
 *
 * The run-directory model lives on the refresh thread (watch_feed.h); this loop polls the
 * keyboard and the feed's descriptor together, so keys are answered while a checkpoint is
 * being analysed, adopts each snapshot (the selection follows the checkpoint and module
 * by name; with follow on, the newest checkpoint), and redraws (watch_draw.c). Keys are the
 * actions of LS_ACTION_LIST: the replay's row moves go through checkpoints (Left/Right,
 * Home/End), its jumps (PgUp/PgDn, S-Left/S-Right) and the line moves (Up/Down) through
 * modules, f toggles follow. */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "replay_view.h"
#include "screen.h"
#include "tui.h"
#include "watch_ui.h"

/* Adopt snapshot n: keep the selected checkpoint and module by name (watch_view.h). */
static void adopt(ls_watch_screen *w, ls_watch_snap *n)
{
	ls_watch_snap *o = w->s;
	const char *was_ck = o && o->nckpt ? o->ckpt[w->ck].name : NULL;
	long was_step = o && o->nckpt ? o->ckpt[w->ck].step : -1;
	const char *was_mod = o && o->nmod ? o->mod[w->mod].name : NULL;
	size_t nn = n->nckpt > n->nmod ? n->nckpt : n->nmod;
	const char **names = malloc((nn ? nn : 1) * sizeof *names);
	long *steps = malloc((n->nckpt ? n->nckpt : 1) * sizeof *steps);
	if (names && steps) {
		for (size_t i = 0; i < n->nckpt; i++) {
			names[i] = n->ckpt[i].name;
			steps[i] = n->ckpt[i].step;
		}
		size_t newest_before = o && o->nckpt ? o->ckpt[o->nckpt - 1].seq : 0;
		w->ck = ls_watch_pick_ckpt(names, steps, n->nckpt, was_ck, was_step, w->follow);
		if (w->follow && n->nckpt && n->ckpt[n->nckpt - 1].seq > newest_before && o) {
			char nm[128];
			snprintf(w->ui->msg, sizeof w->ui->msg, "new checkpoint: %s",
				 ls_text_printable(nm, sizeof nm, n->ckpt[n->nckpt - 1].name));
			w->ui->msg_error = false;
		}
		for (size_t j = 0; j < n->nmod; j++)
			names[j] = n->mod[j].name;
		w->mod = ls_watch_pick_module(names, n->nmod, was_mod, w->mod);
	} else {
		w->ck = n->nckpt ? n->nckpt - 1 : 0;
		w->mod = 0;
	}
	free(names);
	free(steps);
	ls_watch_snap_free(o);
	w->s = n;
}

static bool ckpt_move(ls_action a, ls_replay_move *mv)
{
	switch (a) {
	case LS_ACT_ROW_BACK:
		*mv = LS_REPLAY_ROW_BACK;
		return true;
	case LS_ACT_ROW_NEXT:
		*mv = LS_REPLAY_ROW_NEXT;
		return true;
	case LS_ACT_FIRST:
		*mv = LS_REPLAY_FIRST;
		return true;
	case LS_ACT_LAST:
		*mv = LS_REPLAY_LAST;
		return true;
	default:
		return false;
	}
}

/* The module selection after a line or page move (page: the table's rows). */
static bool module_move(ls_watch_screen *w, ls_action a)
{
	size_t n = w->s ? w->s->nmod : 0;
	size_t page = (size_t)(ls_watch_table_rows(&w->L) > 1 ? ls_watch_table_rows(&w->L) - 1 : 1);
	if (!n)
		return a == LS_ACT_LINE_UP || a == LS_ACT_LINE_DOWN || a == LS_ACT_JUMP_BACK ||
		       a == LS_ACT_JUMP_NEXT;
	switch (a) {
	case LS_ACT_LINE_UP:
		w->mod = w->mod ? w->mod - 1 : 0;
		return true;
	case LS_ACT_LINE_DOWN:
		w->mod = w->mod + 1 < n ? w->mod + 1 : n - 1;
		return true;
	case LS_ACT_JUMP_BACK:
		w->mod = w->mod > page ? w->mod - page : 0;
		return true;
	case LS_ACT_JUMP_NEXT:
		w->mod = w->mod + page < n ? w->mod + page : n - 1;
		return true;
	default:
		return false;
	}
}

static void say(ls_ui *ui, bool error, const char *text)
{
	snprintf(ui->msg, sizeof ui->msg, "%.250s", text);
	ui->msg_error = error;
}

/* Answer key ch; false when it quits. */
static bool on_key(ls_watch_screen *w, int ch)
{
	ls_ui *ui = w->ui;
	if (ch == KEY_RESIZE)
		return true;
	if (ui->show_help && ls_help_key(ui, ch))
		return true;
	ls_action a = ls_keymap_lookup(&ui->keys, ls_tui_map_key(ch));
	if (ui->show_help && a != LS_ACT_QUIT) {
		ui->show_help = false;
		if (a == LS_ACT_HELP)
			return true;
	}
	ls_replay_move mv;
	size_t n = w->s ? w->s->nckpt : 0;
	char k1[LS_KEYS_HINT_LEN], k2[LS_KEYS_HINT_LEN], msg[256];
	if (ckpt_move(a, &mv)) {
		w->ck = ls_replay_cursor(w->ck, n, mv);
		if (w->follow && n && w->ck + 1 < n) {
			w->follow = false;
			snprintf(msg, sizeof msg, "follow off (%s follows the newest again)",
				 ls_keys_hint(&ui->keys, LS_ACT_FOLLOW, k1, sizeof k1));
			say(ui, false, msg);
		}
		return true;
	}
	if (module_move(w, a))
		return true;
	switch (a) {
	case LS_ACT_QUIT:
		return false;
	case LS_ACT_HELP:
		/* Opened at its end, where the keys of this screen are (the overlay clamps). */
		ui->show_help = true;
		ui->help_top = 1 << 20;
		break;
	case LS_ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case LS_ACT_FOLLOW:
		w->follow = !w->follow;
		if (w->follow && n)
			w->ck = n - 1;
		say(ui, false,
		    w->follow ? "follow on: the newest checkpoint is selected as it arrives"
			      : "follow off: the selected checkpoint stays");
		break;
	case LS_ACT_NONE: {
		char name[16];
		ls_key_name(ls_tui_map_key(ch), name, sizeof name);
		snprintf(msg, sizeof msg, "key %s does nothing (%s for help)", name,
			 ls_keys_hint(&ui->keys, LS_ACT_HELP, k1, sizeof k1));
		say(ui, false, msg);
		break;
	}
	default:
		snprintf(msg, sizeof msg, "%s: not in watch (%s for help, %s quits)",
			 ls_actions[a].name, ls_keys_hint(&ui->keys, LS_ACT_HELP, k1, sizeof k1),
			 ls_keys_hint(&ui->keys, LS_ACT_QUIT, k2, sizeof k2));
		say(ui, false, msg);
		break;
	}
	return true;
}

/* Take what the feed has: a snapshot, a refresh's error (said on the status line) or a
 * failure that ends the screen (its message in fatal_msg). false on the latter. */
static bool take(ls_watch_screen *w, ls_error *fatal_err)
{
	bool failed = false, fatal = false;
	ls_error e;
	ls_watch_snap *s = ls_watch_feed_take(w->feed, &failed, &fatal, &e);
	if (s)
		adopt(w, s);
	if (failed && fatal) {
		*fatal_err = e;
		return false;
	}
	if (failed) {
		snprintf(w->ui->msg, sizeof w->ui->msg, "refresh: %.240s", e.msg);
		w->ui->msg_error = true;
	}
	return true;
}

/* The loop: draw, wait for a key, the feed or a second (the status line's clock), answer.
 * Returns 0 on quit or a hang-up, 1 on a poll error, -1 when the model failed for good. */
static int loop(ls_watch_screen *w, ls_error *fatal_err)
{
	char shown[256] = "";
	double msg_since = 0;
	int empty = 0;
	for (;;) {
		if (ls_screen_stop)
			return 0;
		double now = ls_watch_feed_now();
		if (strcmp(shown, w->ui->msg) != 0) {
			snprintf(shown, sizeof shown, "%s", w->ui->msg);
			msg_since = now;
		} else if (shown[0] && now - msg_since > LS_MSG_SECONDS) {
			w->ui->msg[0] = shown[0] = '\0';
		}
		w->busy_since = ls_watch_feed_busy_since(w->feed);
		ls_watch_draw(w);
		refresh();
		struct pollfd pf[3] = { { 0, POLLIN, 0 },
					{ ls_watch_feed_fd(w->feed), POLLIN, 0 },
					{ ls_screen_wake_fd(), POLLIN, 0 } };
		int pr = poll(pf, 3, w->busy_since >= 0 ? 250 : 1000);
		if (pr < 0 && errno != EINTR)
			return 1;
		if (pr > 0 && (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			return 0;
		ls_screen_suspend(); /* the loop draws every round */
		if (pr > 0 && (pf[1].revents & POLLIN) && !take(w, fatal_err))
			return -1;
		int ch, got = 0;
		while ((ch = ls_screen_getkey()) != ERR) {
			got++;
			if (!on_key(w, ch))
				return 0;
		}
		/* Readable but no key, again and again: end of input (hang-up). */
		if (pr > 0 && (pf[0].revents & POLLIN) && got == 0 && ++empty > 100)
			return 0;
		if (got)
			empty = 0;
	}
}

int ls_tui_watch(const char *dir, const ls_watch_opts *o, const ls_screen_opts *look)
{
	struct stat st;
	errno = 0;
	bool is_dir = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (!is_dir) {
		char shown[256];
		fprintf(stderr, "lorascope watch: %s: %s\n",
			ls_text_printable(shown, sizeof shown, dir),
			errno == ENOENT ? "no such directory" : "not a directory");
		return 2;
	}
	char why[128];
	if (!isatty(0) || !isatty(1) || !ls_screen_usable(why, sizeof why)) {
		fprintf(stderr,
			"lorascope watch: the live view needs a terminal (%s); for text use --once "
			"or --follow\n",
			isatty(0) && isatty(1) ? why : "not a terminal");
		return 2;
	}
	ls_ui *ui = ls_ui_new();
	if (!ui) {
		fprintf(stderr, "lorascope watch: out of memory\n");
		return 1;
	}
	if (look->km)
		ui->keys = *look->km;
	else
		ls_keymap_defaults(&ui->keys);
	ls_screen sc;
	char title[300], rwhy[400];
	snprintf(title, sizeof title, "lorascope watch %s", dir);
	if (!ls_screen_record(&sc, look->record, title, rwhy, sizeof rwhy)) {
		fprintf(stderr, "lorascope watch: %s\n", rwhy);
		ls_ui_free(ui);
		return 2;
	}
	ls_watch_screen w = { .ui = ui, .follow = true, .dir = dir, .busy_since = -1 };
	ls_error err;
	if (ls_watch_feed_start(&w.feed, dir, o, &err) != LS_OK) {
		fprintf(stderr, "lorascope watch: %s\n", err.msg);
		ls_record_close(sc.rec);
		ls_ui_free(ui);
		return 1;
	}
	ls_screen_glyphs(ui, look->ascii, look->blocks);
	ls_screen_begin(&sc, ui, look->no_color);
	ls_error fatal;
	int rc = loop(&w, &fatal);
	ls_screen_end(&sc);
	ls_watch_feed_stop(w.feed);
	ls_watch_snap_free(w.s);
	ls_ui_free(ui);
	if (rc < 0) {
		fprintf(stderr, "lorascope watch: %s\n", fatal.msg);
		return fatal.code == LS_ENOMEM || fatal.code == LS_ENUMERIC ? 1 : 2;
	}
	if (ls_screen_stop == SIGINT || ls_screen_stop == SIGTERM)
		return 128 + (int)ls_screen_stop;
	return rc;
}
