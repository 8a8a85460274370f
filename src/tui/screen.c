/* screen.c — the curses session shared by the TUI's entry points (see screen.h). */
#include "screen.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "theme.h"

volatile sig_atomic_t ls_screen_stop;

static void on_stop(int sig)
{
	ls_screen_stop = sig;
}

static void on_fatal(int sig)
{
	/* Best effort: give the terminal back, then die of the same signal. */
	endwin();
	ls_record_restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

ls_ui *ls_ui_new(void)
{
	return calloc(1, sizeof(ls_ui));
}

void ls_ui_free(ls_ui *ui)
{
	if (!ui)
		return;
	ls_canvas_free(&ui->canvas);
	free(ui);
}

void ls_screen_glyphs(ls_ui *ui, bool ascii, bool blocks)
{
	/* Only the character type follows the user's locale: numbers stay in C. */
	setlocale(LC_CTYPE, "");
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	ui->unicode = utf8 && !ascii;
	/* Braille where the locale is UTF-8; block elements when asked or on the Linux
	 * console (its fonts lack braille); plain ASCII otherwise or with --ascii. */
	const char *term = getenv("TERM");
	bool console = term && strcmp(term, "linux") == 0;
	if (!ui->unicode)
		ui->glyphs = LS_GLYPHS_ASCII;
	else if (blocks || console)
		ui->glyphs = LS_GLYPHS_BLOCK;
	else
		ui->glyphs = LS_GLYPHS_BRAILLE;
	ls_canvas_init(&ui->canvas, ui->glyphs);
}

bool ls_screen_record(ls_screen *sc, const char *path, const char *title, char *why, size_t len)
{
	sc->rec = NULL;
	if (!path)
		return true;
	char reason[300];
	sc->rec = ls_record_open(path, title, reason, sizeof reason);
	if (!sc->rec)
		snprintf(why, len, "--record: %s", reason);
	return sc->rec != NULL;
}

void ls_screen_begin(ls_screen *sc, ls_ui *ui, bool no_color)
{
	const char *nc = getenv("NO_COLOR");
	bool want_color = !no_color && !(nc && nc[0]);
	/* stderr off the screen while curses owns it. */
	fflush(stderr);
	sc->saved_err = dup(2);
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, 2);
		close(devnull);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction fa;
	memset(&fa, 0, sizeof fa);
	fa.sa_handler = on_fatal;
	sigemptyset(&fa.sa_mask);
	sigaction(SIGSEGV, &fa, NULL);
	sigaction(SIGBUS, &fa, NULL);
	sigaction(SIGFPE, &fa, NULL);
	sigaction(SIGABRT, &fa, NULL);

	set_escdelay(25);
	if (sc->rec)
		newterm(NULL, ls_record_stream(sc->rec), stdin);
	else
		initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	if (sc->rec)
		ls_record_modes(sc->rec);
	ui->color = ls_theme_init(want_color);
}

void ls_screen_end(ls_screen *sc)
{
	endwin();
	ls_record_close(sc->rec);
	sc->rec = NULL;
	if (sc->saved_err >= 0) {
		dup2(sc->saved_err, 2);
		close(sc->saved_err);
	}
}

bool ls_screen_usable(char *why, size_t len)
{
	const char *term = getenv("TERM");
	int err = 0;
	if (!term || !*term) {
		snprintf(why, len, "TERM is not set");
		return false;
	}
	if (setupterm(term, 1, &err) != OK) {
		snprintf(why, len, "terminal type '%s' is unknown", term);
		return false;
	}
	const char *cup = tigetstr("cup"), *clr = tigetstr("clear");
	bool ok = cup && cup != (char *)-1 && clr && clr != (char *)-1;
	del_curterm(cur_term);
	if (!ok)
		snprintf(why, len, "terminal '%s' cannot move the cursor", term);
	return ok;
}

int ls_screen_getkey(void)
{
	for (;;) {
		int ch = getch();
		if (ch != 27)
			return ch;
		int next = getch();
		if (next == ERR)
			return 27;
		/* CSI: ESC [ parameters (0x30-0x3F) intermediates (0x20-0x2F) final (0x40-0x7E);
		 * SS3: ESC O and one final byte. Anything else after ESC is Alt-<key>. */
		if (next == '[') {
			int c;
			while ((c = getch()) != ERR && !(c >= 0x40 && c <= 0x7E))
				;
		} else if (next == 'O') {
			getch();
		}
	}
}

int ls_tui_map_key(int ch)
{
	if (ch >= KEY_F(1) && ch <= KEY_F(63))
		return LS_KEY_F(ch - KEY_F(0));
	switch (ch) {
	case KEY_LEFT:
		return LS_KEY_LEFT;
	case KEY_RIGHT:
		return LS_KEY_RIGHT;
	case KEY_UP:
		return LS_KEY_UP;
	case KEY_DOWN:
		return LS_KEY_DOWN;
	case KEY_HOME:
		return LS_KEY_HOME;
	case KEY_END:
		return LS_KEY_END;
	case KEY_PPAGE:
		return LS_KEY_PGUP;
	case KEY_NPAGE:
		return LS_KEY_PGDN;
	case KEY_SLEFT:
		return LS_KEY_SLEFT;
	case KEY_SRIGHT:
		return LS_KEY_SRIGHT;
	default:
		return ch;
	}
}

int ls_screen_loop(void *ctx, void (*draw)(void *ctx), bool (*on_key)(void *ctx, int ch))
{
	bool run = true, dirty = true;
	int empty = 0;
	while (run && !ls_screen_stop) {
		if (dirty) {
			draw(ctx);
			refresh();
			dirty = false;
		}
		struct pollfd pf = { 0, POLLIN, 0 };
		int pr = poll(&pf, 1, 1000);
		if (pr < 0 && errno != EINTR)
			return 1;
		if (pr > 0 && (pf.revents & (POLLHUP | POLLERR | POLLNVAL)))
			return 0;
		int ch, got = 0;
		while (run && (ch = ls_screen_getkey()) != ERR) {
			got++;
			run = on_key(ctx, ch);
			dirty = true;
		}
		/* Readable but no key, again and again: end of input (hang-up). */
		if (pr > 0 && got == 0 && ++empty > 100)
			return 0;
		if (got)
			empty = 0;
	}
	return 0;
}

ls_status ls_screen_opt_key(void *target, const ls_opt *o, const char *value, ls_error *err)
{
	ls_screen_opts *so = (ls_screen_opts *)((char *)target + o->offset);
	ls_error e;
	if (ls_keymap_bind_spec(so->km, value, &e) != LS_OK)
		return ls_error_set(err, e.code, "--%s: %s", o->name, e.msg);
	return LS_OK;
}
