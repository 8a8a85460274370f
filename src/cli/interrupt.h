/* interrupt.h — how `lorascope run` is stopped by SIGINT, SIGTERM or SIGHUP: the handler only
 * records the signal; the run loop asks between steps, stops at the step boundary, and
 * finishes as at a normal end (rows, summary, trace and snapshot written atomically). A
 * second signal while that is written changes nothing: the files are completed, never left
 * half-written or as temporary files. The exit status is then 128 + the first signal. */
#ifndef LORASCOPE_CLI_INTERRUPT_H
#define LORASCOPE_CLI_INTERRUPT_H

/* Catch SIGINT, SIGTERM and SIGHUP (no SA_RESTART needed: the loop polls). */
void ls_interrupt_install(void);
/* The first of those signals received since install, or 0. */
int ls_interrupt_signal(void);
/* Back to the default dispositions. */
void ls_interrupt_restore(void);

#endif
