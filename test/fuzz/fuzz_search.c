/*
 * fuzz_search.c
 *      libFuzzer harness: Okta search/filter expressions and the URL
 *      encoders.
 *
 * The input bytes drive the construction of an oc_search tree (attribute,
 * operator and value strings, the quoted flag, and/or nesting up to
 * MAX_DEPTH), built in parallel with a model tree that this file owns.
 * The tree is rendered with oc_search_render and the result is checked,
 * trapping (__builtin_trap) on any violation:
 *
 *   - render returns a string exactly when every leaf is valid (attribute
 *     a dotted path of [A-Za-z0-9_] segments, operator one of eq sw co gt
 *     ge lt le, quoted value free of control characters, unquoted value
 *     true/false/a JSON-style number), else NULL;
 *   - a rendered string holds no control characters;
 *   - it tokenizes under Okta's grammar (string literals "..." with \" and
 *     \\ escapes, nothing else escaped; balanced parentheses; and/or never
 *     mixed at one level without parentheses);
 *   - parsed back, it is the same expression: same and/or structure (up to
 *     associativity), same attributes and operators, each string literal
 *     decodes to exactly the value given, unquoted values verbatim.
 *
 * Every string drawn from the input (values and attributes) also goes
 * through oc_search_quote, oc_encode_path_segment, oc_encode_query_value
 * and oc_percent_decode:
 *
 *   - oc_search_quote appends exactly one literal that decodes back to the
 *     value, or returns -1 and appends nothing when the value holds a
 *     control character;
 *   - an encoded path segment never contains '/', '?', '#' (nor anything
 *     outside RFC 3986 pchar), is never "." or "..", and percent-decodes
 *     back to the input; likewise for a query value (unreserved and %XX
 *     only).
 */
#include "client/oc_internal.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DEPTH 6
#define MAX_NODES 64
#define MAX_STR 48

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* ---------- input bytes ---------- */

typedef struct src
{
	const uint8_t *p;
	size_t		n;
	int			nodes;
} src;

static unsigned
take(src *s)
{
	if (s->n == 0)
		return 0;
	s->n--;
	return *s->p++;
}

/* a C string from the input: a length byte, then that many bytes */
static char *
take_raw(src *s)
{
	size_t		len = take(s) % (MAX_STR + 1);
	char	   *out;

	if (len > s->n)
		len = s->n;
	out = malloc(len + 1);
	if (out == NULL)
		abort();
	memcpy(out, s->p, len);
	out[len] = '\0';			/* an embedded NUL just ends the string */
	s->p += len;
	s->n -= len;
	return out;
}

static char *
xstrdup(const char *v)
{
	char	   *d = strdup(v);

	if (d == NULL)
		abort();
	return d;
}

static const char *const attr_words[] = {
	"status", "id", "type", "created", "lastUpdated", "profile.login",
	"profile.email", "profile.firstName", "profile.name", "a1.b_2.C3", "_x",
	"and", "or", "pr", "eq", "1",
	/* invalid */
	"", ".", "..", "a.", ".a", "a..b", "a b", "a\"b", "a)", "(a", "x-y",
	"profile.login ", "\xc3\xa9t\xc3\xa9", "a\\b", "a\tb",
};
static const char *const op_words[] = {
	"eq", "sw", "co", "gt", "ge", "lt", "le",
	/* invalid */
	"pr", "ne", "EQ", "Eq", "", "eq ", " eq", "eq\"", "or", "and", "e", "eqq",
};
static const char *const raw_words[] = {
	"true", "false", "0", "-1", "1.5", "-0.25", "12345678901234567890", "007",
	/* invalid */
	"", "1.", "-.5", ".5", "1e3", "+1", "tru", "TRUE", "1 or 1", "1)", "0x10",
	"--1", "1.2.3", "-", "null", "\"1\"", "1\n",
};
static const char *const str_words[] = {
	"ACTIVE", "", "a\"b", "a\\b", "\\", "\"", "\\\"", "x\" or id pr or \"",
	"\xc3\xa9", "tab\there", "nl\n", "del\x7f", "(", ")", "%2F", "a b",
};

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

static char *
take_attr(src *s)
{
	unsigned	c = take(s);

	if (c < 224)
		return xstrdup(attr_words[c % NWORDS(attr_words)]);
	return take_raw(s);
}

static char *
take_op(src *s)
{
	unsigned	c = take(s);

	if (c < 240)
		return xstrdup(op_words[c % NWORDS(op_words)]);
	return take_raw(s);
}

static char *
take_value(src *s, int quoted)
{
	unsigned	c = take(s);

	if (c < 64)
		return xstrdup(quoted ? str_words[c % NWORDS(str_words)] :
					   raw_words[c % NWORDS(raw_words)]);
	return take_raw(s);
}

/* ---------- the model ---------- */

typedef enum
{
	M_CMP,
	M_PR,
	M_AND,
	M_OR
} mkind;

typedef struct mnode
{
	mkind		kind;
	char	   *attr;
	char	   *op;
	char	   *value;
	int			quoted;
	struct mnode *l;
	struct mnode *r;
} mnode;

static mnode *
mnew(mkind kind)
{
	mnode	   *m = calloc(1, sizeof(mnode));

	if (m == NULL)
		abort();
	m->kind = kind;
	return m;
}

static void
mfree(mnode *m)
{
	if (m == NULL)
		return;
	mfree(m->l);
	mfree(m->r);
	free(m->attr);
	free(m->op);
	free(m->value);
	free(m);
}

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int
is_word_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') || c == '_';
}

/* a dotted path: one or more non-empty [A-Za-z0-9_] segments */
static int
model_attr_ok(const char *a)
{
	size_t		seg = 0;

	for (; *a; a++)
	{
		if (*a == '.')
		{
			if (seg == 0)
				return 0;
			seg = 0;
		}
		else if (is_word_char((unsigned char) *a))
			seg++;
		else
			return 0;
	}
	return seg > 0;
}

static int
model_op_ok(const char *op)
{
	static const char *const ops[] = {"eq", "sw", "co", "gt", "ge", "lt", "le"};
	size_t		i;

	for (i = 0; i < NWORDS(ops); i++)
		if (strcmp(op, ops[i]) == 0)
			return 1;
	return 0;
}

static int
digits(const char **p)
{
	const char *q = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > q;
}

/* true, false, -?[0-9]+(\.[0-9]+)? */
static int
model_raw_ok(const char *v)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return 1;
	if (*v == '-')
		v++;
	if (!digits(&v))
		return 0;
	if (*v == '.')
	{
		v++;
		if (!digits(&v))
			return 0;
	}
	return *v == '\0';
}

static int
model_str_ok(const char *v)
{
	for (; *v; v++)
		if (is_ctl((unsigned char) *v))
			return 0;
	return 1;
}

static int
model_renderable(const mnode *m)
{
	switch (m->kind)
	{
		case M_CMP:
			return model_attr_ok(m->attr) && model_op_ok(m->op) &&
				(m->quoted ? model_str_ok(m->value) : model_raw_ok(m->value));
		case M_PR:
			return model_attr_ok(m->attr);
		case M_AND:
		case M_OR:
			return model_renderable(m->l) && model_renderable(m->r);
	}
	return 0;
}

/* ---------- string literals ---------- */

/*
 * Read one string literal at *p ("..." with \" and \\ the only escapes).
 * Returns the decoded value (malloc'd) and moves *p past the closing quote,
 * or NULL if the text there is not a well-formed literal.
 */
static char *
read_literal(const char **p)
{
	const char *q = *p;
	char	   *out;
	size_t		o = 0;

	if (*q != '"')
		return NULL;
	out = malloc(strlen(q) + 1);
	if (out == NULL)
		abort();
	for (q++;; q++)
	{
		if (*q == '\0')
		{
			free(out);			/* unterminated */
			return NULL;
		}
		if (*q == '"')
			break;
		if (*q == '\\')
		{
			q++;
			if (*q != '"' && *q != '\\')
			{
				free(out);		/* no other escapes in Okta's grammar */
				return NULL;
			}
		}
		out[o++] = *q;
	}
	out[o] = '\0';
	*p = q + 1;
	return out;
}

/* ---------- parsing a rendered expression back ---------- */

typedef enum
{
	T_END,
	T_LP,
	T_RP,
	T_WORD,
	T_STR,
	T_BAD
} tkind;

typedef struct lexer
{
	const char *p;
	tkind		kind;
	char	   *text;			/* T_WORD: the word; T_STR: decoded value */
} lexer;

static void
lex_next(lexer *lx)
{
	free(lx->text);
	lx->text = NULL;
	while (*lx->p == ' ')
		lx->p++;
	switch (*lx->p)
	{
		case '\0':
			lx->kind = T_END;
			return;
		case '(':
			lx->p++;
			lx->kind = T_LP;
			return;
		case ')':
			lx->p++;
			lx->kind = T_RP;
			return;
		case '"':
			lx->text = read_literal(&lx->p);
			lx->kind = lx->text ? T_STR : T_BAD;
			return;
		case '\\':
			lx->kind = T_BAD;	/* a backslash outside a literal */
			return;
		default:
			{
				const char *start = lx->p;

				while (*lx->p && strchr(" ()\"\\", *lx->p) == NULL)
					lx->p++;
				lx->text = strndup(start, (size_t) (lx->p - start));
				if (lx->text == NULL)
					abort();
				lx->kind = T_WORD;
				return;
			}
	}
}

/* the parse tree: n-ary and/or nodes, comparisons as leaves */
typedef struct pnode
{
	mkind		kind;
	char	   *attr;
	char	   *op;
	char	   *value;
	int			quoted;
	struct pnode **kids;
	size_t		nkids;
} pnode;

static void
pfree(pnode *n)
{
	size_t		i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		pfree(n->kids[i]);
	free(n->kids);
	free(n->attr);
	free(n->op);
	free(n->value);
	free(n);
}

static pnode *
pnew(mkind kind)
{
	pnode	   *n = calloc(1, sizeof(pnode));

	if (n == NULL)
		abort();
	n->kind = kind;
	return n;
}

static void
padd(pnode *n, pnode *kid)
{
	pnode	  **k = realloc(n->kids, (n->nkids + 1) * sizeof(pnode *));

	if (k == NULL)
		abort();
	n->kids = k;
	n->kids[n->nkids++] = kid;
}

static char *
take_text(lexer *lx)
{
	char	   *t = lx->text;

	lx->text = NULL;
	return t;
}

static pnode *parse_expr(lexer *lx, int depth);

/* operand := '(' expr ')' | attr 'pr' | attr op value */
static pnode *
parse_operand(lexer *lx, int depth)
{
	pnode	   *n;

	if (lx->kind == T_LP)
	{
		lex_next(lx);
		n = parse_expr(lx, depth + 1);
		if (n == NULL)
			return NULL;
		/* parentheses only ever wrap an and/or */
		if (lx->kind != T_RP || (n->kind != M_AND && n->kind != M_OR))
		{
			pfree(n);
			return NULL;
		}
		lex_next(lx);
		return n;
	}
	if (lx->kind != T_WORD || !model_attr_ok(lx->text))
		return NULL;
	n = pnew(M_CMP);
	n->attr = take_text(lx);
	lex_next(lx);
	if (lx->kind == T_WORD && strcmp(lx->text, "pr") == 0)
	{
		n->kind = M_PR;
		lex_next(lx);
		return n;
	}
	if (lx->kind != T_WORD || !model_op_ok(lx->text))
	{
		pfree(n);
		return NULL;
	}
	n->op = take_text(lx);
	lex_next(lx);
	if (lx->kind == T_STR)
		n->quoted = 1;
	else if (lx->kind != T_WORD || !model_raw_ok(lx->text))
	{
		pfree(n);
		return NULL;
	}
	n->value = take_text(lx);
	lex_next(lx);
	return n;
}

/* expr := operand ((and|or) operand)*, one connective per level */
static pnode *
parse_expr(lexer *lx, int depth)
{
	pnode	   *first,
			   *n = NULL;

	if (depth > MAX_NODES)
		return NULL;
	first = parse_operand(lx, depth);
	if (first == NULL)
		return NULL;
	while (lx->kind == T_WORD &&
		   (strcmp(lx->text, "and") == 0 || strcmp(lx->text, "or") == 0))
	{
		mkind		k = lx->text[0] == 'a' ? M_AND : M_OR;
		pnode	   *next;

		if (n == NULL)
		{
			n = pnew(k);
			padd(n, first);
		}
		else if (n->kind != k)
		{
			pfree(n);			/* "a and b or c": ambiguous */
			return NULL;
		}
		lex_next(lx);
		next = parse_operand(lx, depth);
		if (next == NULL)
		{
			pfree(n);
			return NULL;
		}
		padd(n, next);
	}
	return n ? n : first;
}

static pnode *
parse_rendered(const char *text)
{
	lexer		lx = {text, T_END, NULL};
	pnode	   *n;

	lex_next(&lx);
	n = parse_expr(&lx, 0);
	if (n != NULL && lx.kind != T_END)
	{
		pfree(n);
		n = NULL;
	}
	free(lx.text);
	return n;
}

/* ---------- comparing the parse with the model ---------- */

/* the operands of m, with nested nodes of the same kind flattened */
static void
flatten(const mnode *m, mkind kind, const mnode **out, size_t *n)
{
	if (m->kind == kind)
	{
		flatten(m->l, kind, out, n);
		flatten(m->r, kind, out, n);
	}
	else
		out[(*n)++] = m;
}

static int
same_expr(const pnode *p, const mnode *m)
{
	if (p->kind != m->kind)
		return 0;
	switch (m->kind)
	{
		case M_PR:
			return strcmp(p->attr, m->attr) == 0;
		case M_CMP:
			return strcmp(p->attr, m->attr) == 0 &&
				strcmp(p->op, m->op) == 0 &&
				p->quoted == (m->quoted != 0) &&
				strcmp(p->value, m->value) == 0;
		case M_AND:
		case M_OR:
			{
				const mnode *ops[2 * MAX_NODES + MAX_DEPTH];
				size_t		n = 0,
							i;

				flatten(m, m->kind, ops, &n);
				if (n != p->nkids)
					return 0;
				for (i = 0; i < n; i++)
					if (!same_expr(p->kids[i], ops[i]))
						return 0;
				return 1;
			}
	}
	return 0;
}

/* ---------- quoting and encoding invariants, on one string ---------- */

static int
is_hex_upper(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void
check_decodes_to(const char *enc, size_t len, const char *want)
{
	char	   *dec = oc_percent_decode(enc, len);

	CHECK(dec != NULL);
	CHECK(strcmp(dec, want) == 0);
	free(dec);
}

static void
check_string(const char *s)
{
	oc_buf		b;
	const char *e;
	int			r;

	/* oc_search_quote: one literal that decodes to s, or -1 and nothing */
	oc_buf_init(&b);
	oc_buf_puts(&b, "x");
	r = oc_search_quote(&b, s);
	CHECK(!b.failed);
	if (!model_str_ok(s))
	{
		CHECK(r == -1);
		CHECK(b.len == 1 && strcmp(b.data, "x") == 0);
	}
	else
	{
		const char *p = b.data + 1;
		char	   *dec;

		CHECK(r == 0);
		CHECK(strlen(b.data) == b.len);
		dec = read_literal(&p);
		CHECK(dec != NULL);
		CHECK(*p == '\0');
		CHECK(strcmp(dec, s) == 0);
		free(dec);
	}
	oc_buf_free(&b);

	/* oc_encode_path_segment */
	oc_buf_init(&b);
	oc_encode_path_segment(&b, s);
	CHECK(!b.failed);
	e = b.data ? b.data : "";
	CHECK(strlen(e) == b.len);
	CHECK(strpbrk(e, "/?#") == NULL);
	CHECK(strcmp(e, ".") != 0 && strcmp(e, "..") != 0);
	CHECK((*s == '\0') == (*e == '\0'));
	for (; *e; e++)
	{
		if (*e == '%')
		{
			CHECK(is_hex_upper((unsigned char) e[1]) && is_hex_upper((unsigned char) e[2]));
			e += 2;
		}
		else
			CHECK(is_word_char((unsigned char) *e) || strchr("-._~!$&'()*+,;=:@", *e) != NULL);
	}
	check_decodes_to(b.data ? b.data : "", b.len, s);
	oc_buf_free(&b);

	/* oc_encode_query_value: unreserved and %XX only */
	oc_buf_init(&b);
	oc_encode_query_value(&b, s);
	CHECK(!b.failed);
	e = b.data ? b.data : "";
	CHECK(strlen(e) == b.len);
	for (; *e; e++)
	{
		if (*e == '%')
		{
			CHECK(is_hex_upper((unsigned char) e[1]) && is_hex_upper((unsigned char) e[2]));
			e += 2;
		}
		else
			CHECK(is_word_char((unsigned char) *e) || strchr("-._~", *e) != NULL);
	}
	check_decodes_to(b.data ? b.data : "", b.len, s);
	oc_buf_free(&b);

	/* oc_percent_decode on the raw string: never longer than its input */
	{
		size_t		n = strlen(s);
		char	   *dec = oc_percent_decode(s, n);

		CHECK(dec != NULL);
		CHECK(strlen(dec) <= n);
		free(dec);
	}
}

/* ---------- building the tree ---------- */

static oc_search *
build(src *s, int depth, mnode **model)
{
	unsigned	c = take(s) % (depth >= MAX_DEPTH || s->nodes >= MAX_NODES ? 2 : 5);
	oc_search  *n;

	*model = NULL;
	s->nodes++;
	switch (c)
	{
		case 0:					/* attr op value */
			{
				mnode	   *m = mnew(M_CMP);
				unsigned	q;

				m->attr = take_attr(s);
				m->op = take_op(s);
				q = take(s);
				m->quoted = q & 1;
				m->value = take_value(s, m->quoted);
				check_string(m->value);
				check_string(m->attr);
				/* quoted is a flag: any non-zero value means quoted */
				n = oc_search_cmp(m->attr, m->op, m->value, m->quoted ? (int) q : 0);
				CHECK(n != NULL);
				*model = m;
				return n;
			}
		case 1:					/* attr pr */
			{
				mnode	   *m = mnew(M_PR);

				m->attr = take_attr(s);
				check_string(m->attr);
				n = oc_search_pr(m->attr);
				CHECK(n != NULL);
				*model = m;
				return n;
			}
		case 2:
		case 3:					/* and, or */
			{
				mnode	   *ml,
						   *mr;
				oc_search  *l = build(s, depth + 1, &ml);
				oc_search  *r = build(s, depth + 1, &mr);

				CHECK((l == NULL) == (ml == NULL) && (r == NULL) == (mr == NULL));
				n = c == 2 ? oc_search_and(l, r) : oc_search_or(l, r);
				if (ml == NULL)
					*model = mr;	/* the other operand is returned */
				else if (mr == NULL)
					*model = ml;
				else
				{
					*model = mnew(c == 2 ? M_AND : M_OR);
					(*model)->l = ml;
					(*model)->r = mr;
				}
				CHECK((n == NULL) == (*model == NULL));
				return n;
			}
		default:				/* no condition */
			return NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	src			s = {data, size, 0};
	mnode	   *model;
	oc_search  *tree = build(&s, 0, &model);
	char	   *text = oc_search_render(tree);

	if (model == NULL)
		CHECK(tree == NULL && text == NULL);
	else if (!model_renderable(model))
		CHECK(text == NULL);
	else
	{
		const char *p;
		pnode	   *parsed;

		CHECK(text != NULL);
		for (p = text; *p; p++)
			CHECK(!is_ctl((unsigned char) *p));
		parsed = parse_rendered(text);
		CHECK(parsed != NULL);
		CHECK(same_expr(parsed, model));
		pfree(parsed);
	}
	/* rendering is repeatable */
	if (text != NULL)
	{
		char	   *again = oc_search_render(tree);

		CHECK(again != NULL && strcmp(again, text) == 0);
		free(again);
	}
	free(text);
	oc_search_free(tree);
	mfree(model);

	/* whatever is left of the input, as one more string */
	if (s.n > 0)
	{
		char	   *rest = malloc(s.n + 1);

		if (rest == NULL)
			abort();
		memcpy(rest, s.p, s.n);
		rest[s.n] = '\0';
		check_string(rest);
		free(rest);
	}
	return 0;
}
