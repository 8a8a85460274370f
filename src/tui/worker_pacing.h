/* worker_pacing.h — the training thread's pace as pure functions (no clock, no thread:
 * times and rates in, batch sizes, tokens and waits out). Batches adapt so one takes about
 * 2–5 ms; the speed cap is a token bucket of steps that fills at the cap's rate and holds
 * at most LS_PACING_BUCKET_SEC of steps (no burst after a slow spell). */
#ifndef LORASCOPE_TUI_WORKER_PACING_H
#define LORASCOPE_TUI_WORKER_PACING_H

#define LS_PACING_BATCH_MAX (1L << 20)
#define LS_PACING_BUCKET_SEC 0.05

/* The next batch size after a full batch of batch steps took dt seconds: doubled under
 * 2 ms (up to LS_PACING_BATCH_MAX), halved over 5 ms (down to 1), else the same. */
long ls_pacing_batch(long batch, double dt);
/* The steps of the next batch: batch, at most budget (a lesson's) and the whole tokens. */
long ls_pacing_steps(long batch, long budget, double tokens);
/* The bucket's tokens elapsed seconds later at a cap of speed (> 0) steps/s: tokens +
 * elapsed·speed, at most max(1, speed·LS_PACING_BUCKET_SEC). */
double ls_pacing_refill(double tokens, double elapsed, double speed);
/* Seconds until the cap allows the next step with tokens in the bucket (0: now, or no
 * cap: speed ≤ 0). */
double ls_pacing_wait(double tokens, double speed);
/* The cap after the speed keys multiply it by factor, rate the measured steps/s: from
 * unlimited (0) a slower key starts at the rate rounded down to a power of two (at least
 * 1), a faster one stays unlimited; past LS_WORKER_SPEED_MAX it is unlimited, below 1 it
 * is 1. */
double ls_pacing_speed(double speed, double factor, double rate);

#endif
