/* record.c — --record FILE: the asciinema v2 recorder (see record.h). */
#define _GNU_SOURCE
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

struct ls_record {
	int fd;      /* the cast */
	int master;  /* the pseudo-terminal curses writes to, read here */
	FILE *slave; /* its other end, curses's output */
	pthread_t thread;
	double t0;    /* the time of the first byte, 0 before */
	bool tty_out; /* still copying to the real terminal (not after a write error) */
	volatile sig_atomic_t stopping;
	/* Ctrl-Z's requests to have every byte curses wrote copied out, and the last one met. */
	pthread_mutex_t mu;
	pthread_cond_t drained_cv;
	unsigned long drain_asked, drained;
	unsigned char in[CHUNK + 4];
	char line[6 * (CHUNK + 4) + 64];
};

/* The one recording (SIGWINCH and fatal signals reach it from handlers). */
static ls_record *active;
static struct termios saved_tty, rec_tty; /* the real terminal's own modes; the recording's */
static volatile sig_atomic_t have_saved, have_rec, resized, size_cols, size_rows;
static struct sigaction curses_winch;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The UTF-8 sequence at s (n available): its length when valid, 0 when cut by the end while
 * valid so far; else minus the bytes of its longest valid start (at least 1), which become
 * one U+FFFD (Unicode's "maximal subpart" practice). */
static int utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
	} else
		return -1;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		unsigned char b = s[i];
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return -i;
	}
	return len;
}

size_t ls_record_escape(const unsigned char *data, size_t n, int final, char *out, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i = 0;
	while (i < n) {
		unsigned char c = data[i];
		if (c < 0x80) {
			if (c == '"' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c == '\n') {
				memcpy(out + o, "\\n", 2);
				o += 2;
			} else if (c == '\r') {
				memcpy(out + o, "\\r", 2);
				o += 2;
			} else if (c < 0x20 || c == 0x7F) {
				memcpy(out + o, "\\u00", 4);
				out[o + 4] = hex[c >> 4];
				out[o + 5] = hex[c & 15];
				o += 6;
			} else {
				out[o++] = (char)c;
			}
			i++;
			continue;
		}
		int len = utf8_len(data + i, n - i);
		if (len == 0 && !final)
			break;
		if (len > 0) {
			memcpy(out + o, data + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			i += len < 0 ? (size_t)-len : n - i;
		}
	}
	*used = i;
	return o;
}

static void write_all(int fd, const char *p, size_t n, bool *ok)
{
	while (*ok && n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*ok = false;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void put_line(ls_record *r, size_t n)
{
	bool ok = true;
	write_all(r->fd, r->line, n, &ok);
}

static void put_resize(ls_record *r)
{
	if (!resized)
		return;
	resized = 0;
	int n = snprintf(r->line, sizeof r->line, "[%.6f, \"r\", \"%dx%d\"]\n", now() - r->t0,
			 (int)size_cols, (int)size_rows);
	put_line(r, (size_t)n);
}

/* The first keep bytes of r->in (an incomplete UTF-8 tail and what was read after it) as one
 * output event; what stays incomplete moves to the front. Returns the bytes kept. */
static size_t put_output(ls_record *r, size_t have, int final)
{
	int head = snprintf(r->line, sizeof r->line, "[%.6f, \"o\", \"", now() - r->t0);
	size_t used;
	size_t o = (size_t)head + ls_record_escape(r->in, have, final, r->line + head, &used);
	if (used > 0) {
		memcpy(r->line + o, "\"]\n", 3);
		put_line(r, o + 3);
	}
	memmove(r->in, r->in + used, have - used);
	return have - used;
}

static void *copy_thread(void *arg)
{
	ls_record *r = arg;
	size_t have = 0;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		unsigned long asked = r->drain_asked;
		pthread_mutex_unlock(&r->mu);
		struct pollfd pf = { r->master, POLLIN, 0 };
		int pr = poll(&pf, 1, 50);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			/* Nothing for 50 ms since the request was seen: what was written before it
			 * has been copied. */
			pthread_mutex_lock(&r->mu);
			if (r->drained < asked) {
				r->drained = asked;
				pthread_cond_broadcast(&r->drained_cv);
			}
			pthread_mutex_unlock(&r->mu);
			if (r->stopping)
				break;
			continue;
		}
		ssize_t n = read(r->master, r->in + have, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EIO: the last writer of the pseudo-terminal has gone */
		write_all(1, (const char *)r->in + have, (size_t)n, &r->tty_out);
		if (r->t0 == 0)
			r->t0 = now(); /* the recording starts with its first byte */
		put_resize(r);
		have = put_output(r, have + (size_t)n, 0);
	}
	if (r->t0 == 0)
		r->t0 = now();
	put_resize(r);
	if (have)
		put_output(r, have, 1);
	return NULL;
}

/* JSON string body of s into out (at least 6·strlen(s) + 1 bytes). */
static void json_text(const char *s, char *out)
{
	size_t used;
	size_t n = ls_record_escape((const unsigned char *)s, strlen(s), 1, out, &used);
	out[n] = '\0';
}

static bool write_header(ls_record *r, int cols, int rows, const char *title)
{
	const char *term = getenv("TERM"), *shell = getenv("SHELL");
	char t[6 * 256 + 1], sh[6 * 256 + 1], ti[6 * 256 + 1];
	char buf[256];
	snprintf(buf, sizeof buf, "%s", term ? term : "");
	json_text(buf, t);
	snprintf(buf, sizeof buf, "%s", shell ? shell : "");
	json_text(buf, sh);
	snprintf(buf, sizeof buf, "%s", title);
	json_text(buf, ti);
	int n = snprintf(r->line, sizeof r->line,
			 "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld, "
			 "\"env\": {\"TERM\": \"%s\", \"SHELL\": \"%s\"}, \"title\": \"%s\"}\n",
			 cols, rows, (long long)time(NULL), t, sh, ti);
	bool ok = true;
	write_all(r->fd, r->line, (size_t)n, &ok);
	return ok;
}

ls_record *ls_record_open(const char *path, const char *title, char *why, size_t len)
{
	ls_record *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	r->master = -1;
	r->tty_out = true;
	r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (r->fd < 0) {
		snprintf(why, len, "cannot write %s: %s", path, strerror(errno));
		free(r);
		return NULL;
	}
	struct winsize ws;
	if (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) {
		ws.ws_col = 80;
		ws.ws_row = 24;
	}
	struct termios tio;
	int slave = -1;
	const char *step = "a pseudo-terminal";
	r->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r->master >= 0 && grantpt(r->master) == 0 && unlockpt(r->master) == 0) {
		const char *name = ptsname(r->master);
		if (name)
			slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	}
	if (slave >= 0 && tcgetattr(0, &tio) == 0) {
		/* curses starts from the modes of the real terminal, at its size. */
		tcsetattr(slave, TCSANOW, &tio);
		ioctl(slave, TIOCSWINSZ, &ws);
		saved_tty = tio;
		have_saved = 1;
		r->slave = fdopen(slave, "w");
	}
	if (r->slave && !write_header(r, ws.ws_col, ws.ws_row, title))
		step = path;
	else if (r->slave) {
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_mutex_init(&r->mu, NULL);
		pthread_cond_init(&r->drained_cv, &ca);
		pthread_condattr_destroy(&ca);
		sigset_t all, old;
		sigfillset(&all);
		/* The signals stay with the main thread (its poll wakes on them). */
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int pe = pthread_create(&r->thread, NULL, copy_thread, r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (pe == 0) {
			active = r;
			return r;
		}
		pthread_cond_destroy(&r->drained_cv);
		pthread_mutex_destroy(&r->mu);
		step = "a thread";
	}
	snprintf(why, len, "cannot record to %s: %s for %s", path, strerror(errno), step);
	if (r->slave)
		fclose(r->slave);
	else if (slave >= 0)
		close(slave);
	if (r->master >= 0)
		close(r->master);
	close(r->fd);
	have_saved = 0;
	free(r);
	return NULL;
}

FILE *ls_record_stream(ls_record *r)
{
	return r->slave;
}

static void on_winch(int sig)
{
	int e = errno;
	struct winsize ws;
	if (active && ioctl(1, TIOCGWINSZ, &ws) == 0) {
		ioctl(active->master, TIOCSWINSZ, &ws);
		size_cols = ws.ws_col;
		size_rows = ws.ws_row;
		resized = 1;
	}
	if (curses_winch.sa_handler != SIG_DFL && curses_winch.sa_handler != SIG_IGN)
		curses_winch.sa_handler(sig);
	errno = e;
}

/* Ctrl-Z (screen.c stops the process): what curses wrote on leaving (the cursor on the last
 * line and shown) reaches the terminal before the shell writes there, and as curses knows
 * only the pseudo-terminal, the real terminal gets its own modes back before the stop (the
 * shell reads lines again) and the recording's when the process continues. */
void ls_record_suspend_tty(void)
{
	ls_record *r = active;
	if (r) {
		/* At most a second: a terminal that takes nothing does not hold the stop. */
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_mutex_lock(&r->mu);
		unsigned long want = ++r->drain_asked;
		while (r->drained < want &&
		       pthread_cond_timedwait(&r->drained_cv, &r->mu, &until) == 0)
			;
		pthread_mutex_unlock(&r->mu);
	}
	if (have_saved)
		tcsetattr(0, TCSADRAIN, &saved_tty);
}

void ls_record_resume_tty(void)
{
	if (have_rec)
		tcsetattr(0, TCSADRAIN, &rec_tty);
}

void ls_record_modes(ls_record *r)
{
	struct termios tio;
	if (tcgetattr(fileno(r->slave), &tio) == 0) {
		tio.c_oflag &= ~(tcflag_t)OPOST;
		tcsetattr(0, TCSADRAIN, &tio);
		rec_tty = tio;
		have_rec = 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &curses_winch);
}

void ls_record_restore_tty(void)
{
	if (have_saved)
		tcsetattr(0, TCSANOW, &saved_tty);
}

void ls_record_close(ls_record *r)
{
	if (!r)
		return;
	sigaction(SIGWINCH, &curses_winch, NULL);
	have_rec = 0;
	fflush(r->slave);
	fclose(r->slave);
	r->stopping = 1;
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->drained_cv);
	pthread_mutex_destroy(&r->mu);
	active = NULL;
	close(r->master);
	tcsetattr(0, TCSADRAIN, &saved_tty);
	have_saved = 0;
	close(r->fd);
	free(r);
}
