/* torchpickle.c — a restricted pickle machine for torch.save's data.pkl: the protocol-2
 * opcodes a state dict of tensors needs, three kinds of globals, no calls. Values live in an
 * arena freed at once, so shared (memo) and even cyclic values need no reference counts and
 * nothing walks them recursively. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torchpickle.h"

typedef enum { V_NONE, V_BOOL, V_INT, V_STR, V_TUPLE, V_GLOBAL, V_DICT, V_STORAGE, V_TENSOR } vkind;

/* The globals allowed: the state dict's class, the tensor rebuilders, the storage types. */
enum { G_ODICT, G_REBUILD_V2, G_REBUILD_PARAM, G_STORAGE };

static const struct {
	const char *module, *name, *dtype;
	size_t size;
} globals[] = {
	{ "collections", "OrderedDict", NULL, 0 },
	{ "torch._utils", "_rebuild_tensor_v2", NULL, 0 },
	{ "torch._utils", "_rebuild_parameter", NULL, 0 },
	{ "torch", "DoubleStorage", "F64", 8 },
	{ "torch", "FloatStorage", "F32", 4 },
	{ "torch", "HalfStorage", "F16", 2 },
	{ "torch", "BFloat16Storage", "BF16", 2 },
	{ "torch", "LongStorage", "I64", 8 },
	{ "torch", "IntStorage", "I32", 4 },
	{ "torch", "ShortStorage", "I16", 2 },
	{ "torch", "CharStorage", "I8", 1 },
	{ "torch", "ByteStorage", "U8", 1 },
	{ "torch", "BoolStorage", "BOOL", 1 },
};
#define NGLOBALS (sizeof globals / sizeof globals[0])

typedef struct val val;
typedef struct item {
	val *k, *v;
	struct item *next;
} item;

struct val {
	vkind kind;
	int64_t i;   /* V_INT, V_BOOL; the globals[] index of a V_GLOBAL */
	char *s;     /* V_STR (NUL-terminated, no NUL inside) */
	val **items; /* V_TUPLE */
	size_t n;
	item *head, *tail; /* V_DICT, in insertion order */
	ls_tp_tensor *t;   /* V_STORAGE (key, dtype, numel) and V_TENSOR */
};

typedef struct {
	const unsigned char *p;
	size_t len, pos, op; /* op: offset of the opcode being run */
	const char *name;
	ls_error *err;
	void **arena; /* every allocation, freed together */
	size_t narena, carena;
	val **stack;
	size_t nstack, cstack;
	size_t *marks;
	size_t nmarks, cmarks;
	val **memo;
	size_t nmemo, cmemo;
} pm;

static ls_status fail(pm *m, const char *what)
{
	return ls_error_set(m->err, LS_EFORMAT, "%s: data.pkl: %s at byte %zu", m->name, what,
			    m->op);
}

static ls_status oom(pm *m)
{
	return ls_error_set(m->err, LS_ENOMEM, "%s: data.pkl: out of memory", m->name);
}

/* Grow *v (of *cap elements of size sz) to hold one more than n, up to max elements. */
static bool grow(void **v, size_t *cap, size_t n, size_t sz, size_t max)
{
	if (n < *cap)
		return true;
	if (n >= max)
		return false;
	size_t c = *cap ? *cap * 2 : 64;
	if (c > max)
		c = max;
	void *q = realloc(*v, c * sz);
	if (!q)
		return false;
	*v = q;
	*cap = c;
	return true;
}

static void *alloc(pm *m, size_t size)
{
	void *arena = m->arena;
	if (!grow(&arena, &m->carena, m->narena, sizeof(void *), SIZE_MAX / sizeof(void *)))
		return NULL;
	m->arena = arena;
	void *p = calloc(1, size ? size : 1);
	if (p)
		m->arena[m->narena++] = p;
	return p;
}

static val *new_val(pm *m, vkind kind)
{
	val *v = alloc(m, sizeof *v);
	if (v)
		v->kind = kind;
	return v;
}

static ls_status push(pm *m, val *v)
{
	if (!v)
		return oom(m);
	void *s = m->stack;
	if (!grow(&s, &m->cstack, m->nstack, sizeof(val *), LS_TP_MAX_STACK))
		return m->nstack >= LS_TP_MAX_STACK ? fail(m, "stack too deep") : oom(m);
	m->stack = s;
	m->stack[m->nstack++] = v;
	return LS_OK;
}

/* Pop the top value, unless the stack is empty above the innermost mark. */
static bool pop(pm *m, val **v)
{
	size_t floor = m->nmarks ? m->marks[m->nmarks - 1] : 0;
	if (m->nstack <= floor)
		return false;
	*v = m->stack[--m->nstack];
	return true;
}

static bool need(pm *m, size_t n)
{
	return m->len - m->pos >= n;
}

static uint64_t le(const unsigned char *p, size_t n)
{
	uint64_t x = 0;
	for (size_t i = n; i-- > 0;)
		x = x << 8 | p[i];
	return x;
}

/* Whether s[0..n) is UTF-8 without NUL, overlong forms or surrogates (names are shown). */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80             ? 1
			   : (c & 0xe0) == 0xc0 ? 2
			   : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4
						: 0;
		if (c == 0 || k == 0 || n - i < k)
			return false;
		uint32_t cp = k == 1 ? c : c & (0x7f >> k);
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k;
	}
	return true;
}

static ls_status op_string(pm *m, size_t lenbytes)
{
	if (!need(m, lenbytes))
		return fail(m, "truncated string length");
	uint64_t n = le(m->p + m->pos, lenbytes);
	m->pos += lenbytes;
	if (n > m->len - m->pos)
		return fail(m, "string runs past the end");
	if (!utf8_ok(m->p + m->pos, (size_t)n))
		return fail(m, "string is not UTF-8 (or holds a NUL)");
	val *v = new_val(m, V_STR);
	if (!v || !(v->s = alloc(m, (size_t)n + 1)))
		return oom(m);
	memcpy(v->s, m->p + m->pos, (size_t)n);
	m->pos += (size_t)n;
	return push(m, v);
}

static ls_status op_int(pm *m, size_t nbytes, bool is_signed)
{
	if (!need(m, nbytes))
		return fail(m, "truncated integer");
	uint64_t x = le(m->p + m->pos, nbytes);
	m->pos += nbytes;
	val *v = new_val(m, V_INT);
	if (v) {
		/* Sign-extend from nbytes (two's complement, as pickle writes). */
		if (is_signed && nbytes < 8 && (x >> (8 * nbytes - 1)) & 1)
			x |= ~(uint64_t)0 << (8 * nbytes);
		v->i = (int64_t)x;
	}
	return push(m, v);
}

static ls_status op_long1(pm *m)
{
	if (!need(m, 1))
		return fail(m, "truncated LONG1");
	size_t n = m->p[m->pos++];
	if (n > 8)
		return fail(m, "LONG1 integer wider than 64 bits");
	return n ? op_int(m, n, true) : push(m, new_val(m, V_INT));
}

/* Pop the values above the innermost mark (and the mark) into a new tuple; or the top k. */
static ls_status op_tuple(pm *m, bool from_mark, size_t k)
{
	if (from_mark) {
		if (!m->nmarks)
			return fail(m, "TUPLE without a MARK");
		k = m->nstack - m->marks[--m->nmarks];
	} else if (m->nstack - (m->nmarks ? m->marks[m->nmarks - 1] : 0) < k) {
		return fail(m, "stack underflow");
	}
	val *t = new_val(m, V_TUPLE);
	if (!t || !(t->items = alloc(m, k * sizeof(val *))))
		return oom(m);
	t->n = k;
	m->nstack -= k;
	if (k)
		memcpy(t->items, m->stack + m->nstack, k * sizeof(val *));
	return push(m, t);
}

static ls_status op_global(pm *m)
{
	const unsigned char *s = m->p + m->pos, *end = m->p + m->len;
	const unsigned char *nl1 = memchr(s, '\n', (size_t)(end - s));
	const unsigned char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1)) : NULL;
	if (!nl2)
		return fail(m, "truncated GLOBAL");
	size_t ml = (size_t)(nl1 - s), nl = (size_t)(nl2 - nl1 - 1);
	m->pos = (size_t)(nl2 + 1 - m->p);
	for (size_t g = 0; g < NGLOBALS; g++)
		if (strlen(globals[g].module) == ml && memcmp(globals[g].module, s, ml) == 0 &&
		    strlen(globals[g].name) == nl && memcmp(globals[g].name, nl1 + 1, nl) == 0) {
			val *v = new_val(m, V_GLOBAL);
			if (v)
				v->i = (int64_t)g;
			return push(m, v);
		}
	char text[160];
	snprintf(text, sizeof text, "%.*s %.*s", (int)(ml < 60 ? ml : 60), (const char *)s,
		 (int)(nl < 60 ? nl : 60), (const char *)(nl1 + 1));
	return ls_error_set(m->err, LS_EUNSUPPORTED,
			    "%s: data.pkl: global '%s' at byte %zu refused: only the globals "
			    "torch.save writes for tensors are read, and nothing is run",
			    m->name, text, m->op);
}

static bool is_int(const val *v, bool nonneg)
{
	return v->kind == V_INT && (!nonneg || v->i >= 0);
}

static bool global_is(const val *v, int g)
{
	return v->kind == V_GLOBAL && (g == G_STORAGE ? v->i >= G_STORAGE : v->i == g);
}

/* BINPERSID: ('storage', torch.<Type>Storage, key, location, numel) → a storage. */
static ls_status op_persid(pm *m)
{
	val *pid;
	if (!pop(m, &pid))
		return fail(m, "stack underflow");
	if (pid->kind != V_TUPLE || pid->n != 5 || pid->items[0]->kind != V_STR ||
	    strcmp(pid->items[0]->s, "storage") != 0 || !global_is(pid->items[1], G_STORAGE) ||
	    pid->items[2]->kind != V_STR || !pid->items[2]->s[0] || pid->items[3]->kind != V_STR ||
	    !is_int(pid->items[4], true))
		return fail(m, "persistent id is not ('storage', type, key, location, numel)");
	val *v = new_val(m, V_STORAGE);
	if (!v || !(v->t = alloc(m, sizeof *v->t)))
		return oom(m);
	size_t g = (size_t)pid->items[1]->i;
	snprintf(v->t->dtype, sizeof v->t->dtype, "%s", globals[g].dtype);
	v->t->elem_size = globals[g].size;
	v->t->key = pid->items[2]->s;
	if ((uint64_t)pid->items[4]->i > SIZE_MAX / v->t->elem_size)
		return fail(m, "storage size overflows");
	v->t->numel = (size_t)pid->items[4]->i;
	return push(m, v);
}

/* A tuple of non-negative ints into dims[] (at most LS_ST_MAX_DIMS). */
static bool dims(const val *t, size_t *out, size_t *n)
{
	if (t->kind != V_TUPLE || t->n > LS_ST_MAX_DIMS)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		if (!is_int(t->items[i], true) || (uint64_t)t->items[i]->i > SIZE_MAX)
			return false;
		out[i] = (size_t)t->items[i]->i;
	}
	*n = t->n;
	return true;
}

/* REDUCE: OrderedDict() → an empty dict; _rebuild_tensor_v2(storage, offset, size, stride,
 * requires_grad, hooks[, metadata]) and _rebuild_parameter(tensor, requires_grad, hooks)
 * → a tensor record. Nothing else is callable. */
static ls_status op_reduce(pm *m)
{
	val *args, *fn;
	if (!pop(m, &args) || !pop(m, &fn))
		return fail(m, "stack underflow");
	if (fn->kind != V_GLOBAL || fn->i >= G_STORAGE)
		return fail(m, "REDUCE of something other than OrderedDict or a tensor rebuilder");
	if (args->kind != V_TUPLE)
		return fail(m, "REDUCE arguments are not a tuple");
	val **a = args->items;
	if (fn->i == G_ODICT) {
		if (args->n != 0)
			return fail(m, "OrderedDict with arguments");
		return push(m, new_val(m, V_DICT));
	}
	if (fn->i == G_REBUILD_PARAM) {
		if (args->n != 3 || a[0]->kind != V_TENSOR || a[1]->kind != V_BOOL ||
		    a[2]->kind != V_DICT)
			return fail(m,
				    "_rebuild_parameter arguments are not (tensor, bool, hooks)");
		return push(m, a[0]);
	}
	if ((args->n != 6 && args->n != 7) || a[0]->kind != V_STORAGE || !is_int(a[1], true) ||
	    a[4]->kind != V_BOOL || a[5]->kind != V_DICT ||
	    (args->n == 7 && a[6]->kind != V_NONE && a[6]->kind != V_DICT))
		return fail(m, "_rebuild_tensor_v2 arguments are not (storage, offset, size, "
			       "stride, requires_grad, hooks[, metadata])");
	val *v = new_val(m, V_TENSOR);
	if (!v || !(v->t = alloc(m, sizeof *v->t)))
		return oom(m);
	*v->t = *a[0]->t;
	v->t->offset = (size_t)a[1]->i;
	size_t ns;
	if (!dims(a[2], v->t->shape, &v->t->ndim) || !dims(a[3], v->t->stride, &ns) ||
	    ns != v->t->ndim)
		return fail(m, "tensor size and stride are not matching tuples of at most 8 "
			       "non-negative integers");
	return push(m, v);
}

static ls_status set_item(pm *m, val *d, val *k, val *v)
{
	item *it = alloc(m, sizeof *it);
	if (!it)
		return oom(m);
	it->k = k;
	it->v = v;
	if (d->tail)
		d->tail->next = it;
	else
		d->head = it;
	d->tail = it;
	d->n++;
	return LS_OK;
}

static ls_status op_setitems(pm *m, bool many)
{
	size_t k = 2;
	if (many) {
		if (!m->nmarks)
			return fail(m, "SETITEMS without a MARK");
		k = m->nstack - m->marks[--m->nmarks];
		if (k % 2)
			return fail(m, "SETITEMS with an odd number of values");
	} else if (m->nstack - (m->nmarks ? m->marks[m->nmarks - 1] : 0) < 2) {
		return fail(m, "stack underflow");
	}
	size_t base = m->nstack - k;
	if (base == 0 || (m->nmarks && base <= m->marks[m->nmarks - 1]) ||
	    m->stack[base - 1]->kind != V_DICT)
		return fail(m, "SETITEM(S) on something that is not a dict");
	val *d = m->stack[base - 1];
	for (size_t i = base; i < m->nstack; i += 2) {
		ls_status s = set_item(m, d, m->stack[i], m->stack[i + 1]);
		if (s != LS_OK)
			return s;
	}
	m->nstack = base;
	return LS_OK;
}

static ls_status op_memo(pm *m, size_t nbytes, bool put)
{
	if (!need(m, nbytes))
		return fail(m, "truncated memo index");
	uint64_t i = le(m->p + m->pos, nbytes);
	m->pos += nbytes;
	if (!put) {
		if (i >= m->nmemo || !m->memo[i])
			return fail(m, "memo index not set");
		return push(m, m->memo[i]);
	}
	if (!m->nstack || (m->nmarks && m->nstack <= m->marks[m->nmarks - 1]))
		return fail(m, "PUT on an empty stack");
	if (i > m->nmemo) /* torch's pickler numbers the memo in order */
		return fail(m, "memo index out of order");
	if (i == m->nmemo) {
		void *q = m->memo;
		if (!grow(&q, &m->cmemo, m->nmemo, sizeof(val *), LS_TP_MAX_MEMO))
			return m->nmemo >= LS_TP_MAX_MEMO ? fail(m, "memo too large") : oom(m);
		m->memo = q;
		m->nmemo++;
	}
	m->memo[i] = m->stack[m->nstack - 1];
	return LS_OK;
}

static ls_status op_mark(pm *m)
{
	void *q = m->marks;
	if (!grow(&q, &m->cmarks, m->nmarks, sizeof(size_t), LS_TP_MAX_STACK))
		return m->nmarks >= LS_TP_MAX_STACK ? fail(m, "too many MARKs") : oom(m);
	m->marks = q;
	m->marks[m->nmarks++] = m->nstack;
	return LS_OK;
}

/* BUILD on a dict sets attributes (torch's state_dict()._metadata): read and dropped. */
static ls_status op_build(pm *m)
{
	val *state, *obj;
	if (!pop(m, &state) || !pop(m, &obj))
		return fail(m, "stack underflow");
	if (obj->kind != V_DICT || (state->kind != V_DICT && state->kind != V_NONE))
		return fail(m, "BUILD of something other than a dict's attributes");
	return push(m, obj);
}

static ls_status step(pm *m, bool *stop)
{
	m->op = m->pos;
	unsigned char c = m->p[m->pos++];
	switch (c) {
	case '}':
		return push(m, new_val(m, V_DICT));
	case ')':
		return op_tuple(m, false, 0);
	case '(':
		return op_mark(m);
	case 'X':
		return op_string(m, 4);
	case 0x8c:
		return op_string(m, 1); /* SHORT_BINUNICODE */
	case 'J':
		return op_int(m, 4, true);
	case 'K':
		return op_int(m, 1, false);
	case 'M':
		return op_int(m, 2, false);
	case 0x8a:
		return op_long1(m);
	case 't':
		return op_tuple(m, true, 0);
	case 0x85:
		return op_tuple(m, false, 1);
	case 0x86:
		return op_tuple(m, false, 2);
	case 0x87:
		return op_tuple(m, false, 3);
	case 'Q':
		return op_persid(m);
	case 'R':
		return op_reduce(m);
	case 'b':
		return op_build(m);
	case 'u':
		return op_setitems(m, true);
	case 's':
		return op_setitems(m, false);
	case 'q':
		return op_memo(m, 1, true);
	case 'r':
		return op_memo(m, 4, true);
	case 'h':
		return op_memo(m, 1, false);
	case 'j':
		return op_memo(m, 4, false);
	case 'c':
		return op_global(m);
	case 'N':
		return push(m, new_val(m, V_NONE));
	case 0x88:
	case 0x89: {
		val *v = new_val(m, V_BOOL);
		if (v)
			v->i = c == 0x88;
		return push(m, v);
	}
	case '.':
		*stop = true;
		return LS_OK;
	default: {
		char shown[8] = "";
		if (c >= 0x21 && c < 0x7f)
			snprintf(shown, sizeof shown, " '%c'", c);
		return ls_error_set(m->err, LS_EUNSUPPORTED,
				    "%s: data.pkl: opcode 0x%02x%s at byte %zu refused (not one "
				    "torch.save writes for a state dict)",
				    m->name, c, shown, m->op);
	}
	}
}

void ls_tp_free(ls_tp_tensor *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].name);
		free(t[i].key);
	}
	free(t);
}

/* The result: a dict of string keys and tensor values, copied out of the arena. */
static ls_status collect(pm *m, const val *d, ls_tp_tensor **out, size_t *n)
{
	if (d->kind != V_DICT)
		return fail(m, "the pickle is not a dict of tensors");
	ls_tp_tensor *t = calloc(d->n + 1, sizeof *t);
	if (!t)
		return oom(m);
	size_t k = 0;
	ls_status s = LS_OK;
	for (const item *it = d->head; it && s == LS_OK; it = it->next) {
		if (it->k->kind != V_STR || it->v->kind != V_TENSOR) {
			s = fail(m, "a state dict entry is not a name and a tensor");
			break;
		}
		t[k] = *it->v->t;
		t[k].name = strdup(it->k->s);
		t[k].key = strdup(it->v->t->key);
		k++;
		if (!t[k - 1].name || !t[k - 1].key)
			s = oom(m);
	}
	if (s != LS_OK) {
		ls_tp_free(t, k);
		return s;
	}
	*out = t;
	*n = k;
	return LS_OK;
}

ls_status ls_tp_parse(const unsigned char *pkl, size_t len, const char *name, ls_tp_tensor **out,
		      size_t *n, ls_error *err)
{
	*out = NULL;
	*n = 0;
	pm m = { .p = pkl, .len = len, .name = name, .err = err };
	ls_status s = LS_OK;
	if (len < 2 || pkl[0] != 0x80)
		s = ls_error_set(err, LS_EFORMAT, "%s: data.pkl: no pickle PROTO opcode", name);
	else if (pkl[1] != 2)
		s = ls_error_set(err, LS_EUNSUPPORTED,
				 "%s: data.pkl: pickle protocol %u (torch.save writes 2)", name,
				 pkl[1]);
	m.pos = 2;
	bool stop = false;
	while (s == LS_OK && !stop) {
		if (m.pos >= m.len) {
			m.op = m.pos;
			s = fail(&m, "pickle ends without STOP");
		} else {
			s = step(&m, &stop);
		}
	}
	if (s == LS_OK && m.pos != m.len)
		s = fail(&m, "bytes after STOP");
	if (s == LS_OK && (m.nstack != 1 || m.nmarks))
		s = fail(&m, "STOP with more than one value on the stack");
	if (s == LS_OK)
		s = collect(&m, m.stack[0], out, n);
	for (size_t i = 0; i < m.narena; i++)
		free(m.arena[i]);
	free(m.arena);
	free(m.stack);
	free(m.marks);
	free(m.memo);
	return s;
}
