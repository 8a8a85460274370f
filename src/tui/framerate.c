/* framerate.c — frame spacing that backs off while output blocks (see framerate.h). */
#include "framerate.h"

void ls_framerate_init(ls_framerate *p, double delay)
{
	p->delay = delay;
	p->write = 0;
}

void ls_framerate_wrote(ls_framerate *p, double seconds)
{
	/* A slow write counts at once; quick ones let the estimate decay (by half a frame). */
	p->write = seconds > p->write ? seconds : 0.5 * (p->write + seconds);
}

double ls_framerate_interval(const ls_framerate *p)
{
	double backoff = 4.0 * p->write;
	return backoff > p->delay ? backoff : p->delay;
}

bool ls_framerate_throttled(const ls_framerate *p)
{
	return 4.0 * p->write > p->delay;
}
