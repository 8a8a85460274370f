/* test_optim_reuse.c — the optimiser's reuse of its last full-batch gradient (optim.c):
 * a step right after ls_optim_eval at the same factors calls the problem no more, and gives
 * the same bits as a step without the evaluation; a change of one entry, of the scaling or
 * a mini-batch evaluation in between makes it call the problem again. */
#include "training_util.h"

/* The problem's own loss_grad, counted. */
static const ls_problem_type *inner;
static long calls;

static ls_status counting_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *b,
				    double *loss, ls_mat *GA, ls_mat *GB)
{
	calls++;
	return inner->loss_grad(p, F, b, loss, GA, GB);
}

static ls_problem_type counting;

static void start(tt_run *t, int problem, int optimizer)
{
	ls_config c;
	tt_config(&c, problem, 9, 7, 2, 0.05);
	c.rank = 3;
	c.init = LS_INIT_INIT2;
	c.lambda = 0.1;
	c.optimizer = optimizer;
	c.lr = 0.05;
	c.batch = 5;
	tt_run_start(t, &c);
	inner = t->p.type;
	counting = *inner;
	counting.loss_grad = counting_loss_grad;
	t->p.type = &counting;
}

static void stop(tt_run *t)
{
	t->p.type = inner;
	tt_run_stop(t);
}

static void eval(tt_run *t)
{
	double f, g, gn;
	assert_ok(ls_optim_eval(t->o, &t->p, &t->L, t->c.lambda, &f, &g, &gn, NULL));
}

/* Two runs from the same seed, one evaluating before every step: same factors, same
 * infos, and the evaluated one's steps call the problem no more. */
static void check_same(int problem, int optimizer)
{
	tt_run a, b;
	start(&a, problem, optimizer);
	start(&b, problem, optimizer);
	for (int i = 0; i < 5; i++) {
		ls_step_info ia = tt_run_steps(&a, 1);
		eval(&b);
		calls = 0;
		ls_step_info ib = tt_run_steps(&b, 1);
		/* gd: nothing; sgd: its mini-batch (and the full loss), never skipped. */
		assert_int_equal(calls, optimizer == LS_OPTIM_SGD ? 2 : 0);
		assert_true(memcmp(&ia.loss, &ib.loss, sizeof(double)) == 0);
		assert_true(memcmp(&ia.grad_norm, &ib.grad_norm, sizeof(double)) == 0);
		assert_true(memcmp(&ia.reg_loss, &ib.reg_loss, sizeof(double)) == 0);
		assert_true(tt_same_bits(&a.L.A[0], &b.L.A[0]));
		assert_true(tt_same_bits(&a.L.B[0], &b.L.B[0]));
	}
	stop(&a);
	stop(&b);
}

static void test_reuse_same_bits(void **state)
{
	(void)state;
	check_same(LS_PROBLEM_APPROX, LS_OPTIM_GD);
	check_same(LS_PROBLEM_APPROX, LS_OPTIM_ADAM);
	check_same(LS_PROBLEM_REGRESSION, LS_OPTIM_MOMENTUM);
	check_same(LS_PROBLEM_REGRESSION, LS_OPTIM_SGD);
}

/* After an evaluation, a change of the factors or the scaling is seen: the step calls the
 * problem and matches a fresh optimiser's step from the changed state. */
static void test_change_invalidates(void **state)
{
	(void)state;
	for (int what = 0; what < 3; what++) {
		tt_run a;
		start(&a, LS_PROBLEM_APPROX, LS_OPTIM_GD);
		eval(&a);
		if (what == 0)
			LS_AT(a.L.A[0], 4, 1) += 1e-3;
		else if (what == 1)
			LS_AT(a.L.B[0], 6, 2) = -LS_AT(a.L.B[0], 6, 2) + 0.5;
		else
			a.L.s[0] *= 1.5;
		ls_optim *fresh;
		assert_ok(ls_optim_alloc(&fresh, &a.L, &a.p, NULL));
		ls_lora copy;
		memset(&copy, 0, sizeof copy);
		assert_ok(ls_lora_copy(&copy, &a.L, NULL));
		ls_step_info ic, ia;
		ls_rng rng = a.rng;
		assert_ok(ls_optim_step(fresh, &a.p, &copy, &a.c, &rng, &ic, NULL));
		calls = 0;
		ia = tt_run_steps(&a, 1);
		assert_int_equal(calls, 1);
		assert_true(memcmp(&ia.loss, &ic.loss, sizeof(double)) == 0);
		assert_true(tt_same_bits(&a.L.A[0], &copy.A[0]));
		assert_true(tt_same_bits(&a.L.B[0], &copy.B[0]));
		ls_lora_free(&copy);
		ls_optim_free(fresh);
		stop(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_same_bits),
		cmocka_unit_test(test_change_invalidates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
