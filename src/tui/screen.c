/* screen.c — the curses session shared by the TUI's entry points (see screen.h). */
#include "screen.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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

/* Ctrl-Z. ncurses's own SIGTSTP handler is swapped for SIG_IGN during every refresh, so a
 * ^Z typed while a frame is written (a slow terminal, a busy machine) is discarded by the
 * kernel and the program does not stop. This handler, in place before curses starts, keeps
 * curses from installing its own (it leaves a handler it finds alone); it only notes the
 * request and wakes the loop, which stops between frames (ls_screen_suspend). */
static volatile sig_atomic_t tstp_asked;
static int wake[2] = { -1, -1 };
static struct sigaction tstp_before;
static bool tstp_ours;

static void on_tstp(int sig)
{
	(void)sig;
	int e = errno;
	tstp_asked = 1;
	if (wake[1] >= 0) {
		ssize_t w = write(wake[1], "z", 1);
		(void)w; /* full: a wake-up is already waiting */
	}
	errno = e;
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
	if (wake[0] < 0 && pipe(wake) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(wake[i], F_SETFL, fcntl(wake[i], F_GETFL) | O_NONBLOCK);
			fcntl(wake[i], F_SETFD, FD_CLOEXEC);
		}
	}
	/* Only where ^Z stops by default (not when the caller's parent ignores it). */
	if (sigaction(SIGTSTP, NULL, &tstp_before) == 0 && tstp_before.sa_handler == SIG_DFL) {
		struct sigaction ta;
		memset(&ta, 0, sizeof ta);
		ta.sa_handler = on_tstp;
		sigemptyset(&ta.sa_mask);
		ta.sa_flags = SA_RESTART;
		tstp_ours = sigaction(SIGTSTP, &ta, NULL) == 0;
	}

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

int ls_screen_wake_fd(void)
{
	return wake[0];
}

bool ls_screen_suspend(void)
{
	if (!tstp_asked)
		return false;
	tstp_asked = 0;
	char drain[64];
	while (wake[0] >= 0 && read(wake[0], drain, sizeof drain) > 0)
		;
	/* As ncurses's own handler: keep the program's modes (not when the shell has the
	 * terminal already), give the terminal back, stop; on SIGCONT take the shell's modes
	 * as they are now, drop the keys typed meanwhile and draw the screen again. */
	if (tcgetpgrp(STDIN_FILENO) == getpgrp())
		def_prog_mode();
	endwin();
	ls_record_suspend_tty();
	struct sigaction dfl, mine;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &mine);
	sigset_t tstp, old;
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	pthread_sigmask(SIG_UNBLOCK, &tstp, &old);
	raise(SIGTSTP); /* to this thread: the process stops before raise returns */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGTSTP, &mine, NULL);
	ls_record_resume_tty();
	flushinp();
	def_shell_mode();
	refresh();
	return true;
}

void ls_screen_end(ls_screen *sc)
{
	endwin();
	if (tstp_ours)
		sigaction(SIGTSTP, &tstp_before, NULL);
	tstp_ours = false;
	tstp_asked = 0;
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
		struct pollfd pf[2] = { { 0, POLLIN, 0 }, { ls_screen_wake_fd(), POLLIN, 0 } };
		int pr = poll(pf, 2, 1000);
		if (pr < 0 && errno != EINTR)
			return 1;
		if (pr > 0 && (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			return 0;
		if (ls_screen_suspend())
			dirty = true;
		int ch, got = 0;
		while (run && (ch = ls_screen_getkey()) != ERR) {
			got++;
			run = on_key(ctx, ch);
			dirty = true;
		}
		/* Readable but no key, again and again: end of input (hang-up). */
		if (pr > 0 && (pf[0].revents & POLLIN) && got == 0 && ++empty > 100)
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
