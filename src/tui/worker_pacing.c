/* worker_pacing.c — the training thread's pace (see worker_pacing.h). */
#include "worker_pacing.h"

#include <math.h>

#include "worker.h"

long ls_pacing_batch(long batch, double dt)
{
	if (dt < 0.002 && batch < LS_PACING_BATCH_MAX)
		return batch * 2;
	if (dt > 0.005 && batch > 1)
		return batch / 2;
	return batch;
}

long ls_pacing_steps(long batch, long budget, double tokens)
{
	long k = batch;
	if (k > budget)
		k = budget;
	if ((double)k > tokens)
		k = (long)tokens;
	return k;
}

double ls_pacing_refill(double tokens, double elapsed, double speed)
{
	tokens += elapsed * speed;
	double cap = fmax(1.0, speed * LS_PACING_BUCKET_SEC);
	return tokens > cap ? cap : tokens;
}

double ls_pacing_wait(double tokens, double speed)
{
	if (speed <= 0)
		return 0;
	return tokens >= 1 ? 0 : (1 - tokens) / speed;
}

/* x rounded down to a power of two (at least 1, at most LS_WORKER_SPEED_MAX). */
static double pow2_below(double x)
{
	double p = 1;
	while (p * 2 <= x && p < LS_WORKER_SPEED_MAX)
		p *= 2;
	return p;
}

double ls_pacing_speed(double speed, double factor, double rate)
{
	double v = speed;
	if (v == 0)
		v = factor < 1 ? pow2_below(rate > 1 ? rate : 1) : 0;
	else
		v *= factor;
	if (v > LS_WORKER_SPEED_MAX)
		return 0;
	if (v != 0 && v < 1)
		return 1;
	return v;
}
