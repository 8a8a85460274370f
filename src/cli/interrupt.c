/* interrupt.c — the signals that stop `lorascope run` (see interrupt.h). */
#include "interrupt.h"

#include <signal.h>
#include <stddef.h>

static volatile sig_atomic_t first_signal;
static const int caught[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	if (!first_signal)
		first_signal = sig;
}

void ls_interrupt_install(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], &sa, NULL);
}

int ls_interrupt_signal(void)
{
	return first_signal;
}

void ls_interrupt_restore(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], &sa, NULL);
}
