/*
 * search.c
 *      Okta search/filter expressions: a small tree built by the planner and
 *      rendered in Okta's grammar (attr op "value", and/or, parentheses).
 *
 * Attribute names and operators come from fixed vocabularies; string
 * values are quoted and escaped; a value that cannot be expressed safely
 * makes the whole expression unrenderable (the caller then filters
 * locally instead).
 */
#include "oc_internal.h"

#include <stdlib.h>
#include <string.h>

typedef enum
{
	NODE_CMP,
	NODE_PR,
	NODE_AND,
	NODE_OR
} node_kind;

struct oc_search
{
	node_kind	kind;
	char	   *attr;
	char	   *op;
	char	   *value;
	int			quoted;
	oc_search  *left;
	oc_search  *right;
};

static const char *const valid_ops[] = {"eq", "sw", "co", "gt", "ge", "lt", "le", NULL};

static int
valid_attr(const char *a)
{
	const char *p;

	if (a == NULL || *a == '\0' || *a == '.')
		return 0;
	for (p = a; *p; p++)
	{
		if (!(oc_isalnum((unsigned char) *p) || *p == '_' || (*p == '.' && p[1] != '.' && p[1] != '\0')))
			return 0;
	}
	return 1;
}

static int
valid_op(const char *op)
{
	int			i;

	for (i = 0; valid_ops[i]; i++)
	{
		if (strcmp(op, valid_ops[i]) == 0)
			return 1;
	}
	return 0;
}

/* an unquoted literal: true, false, or a JSON number */
static int
valid_raw(const char *v)
{
	const char *p = v;

	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return 1;
	if (*p == '-')
		p++;
	if (!oc_isdigit((unsigned char) *p))
		return 0;
	while (oc_isdigit((unsigned char) *p))
		p++;
	if (*p == '.')
	{
		p++;
		if (!oc_isdigit((unsigned char) *p))
			return 0;
		while (oc_isdigit((unsigned char) *p))
			p++;
	}
	return *p == '\0';
}

static oc_search *
node_new(node_kind kind)
{
	oc_search  *n = calloc(1, sizeof(oc_search));

	if (n)
		n->kind = kind;
	return n;
}

oc_search *
oc_search_cmp(const char *attr, const char *op, const char *value, int quoted)
{
	oc_search  *n;

	if (attr == NULL || op == NULL || value == NULL)
		return NULL;
	n = node_new(NODE_CMP);
	if (n == NULL)
		return NULL;
	n->attr = oc_strdup(attr);
	n->op = oc_strdup(op);
	n->value = oc_strdup(value);
	n->quoted = quoted;
	if (n->attr == NULL || n->op == NULL || n->value == NULL)
	{
		oc_search_free(n);
		return NULL;
	}
	return n;
}

oc_search *
oc_search_pr(const char *attr)
{
	oc_search  *n;

	if (attr == NULL)
		return NULL;
	n = node_new(NODE_PR);
	if (n == NULL)
		return NULL;
	n->attr = oc_strdup(attr);
	if (n->attr == NULL)
	{
		oc_search_free(n);
		return NULL;
	}
	return n;
}

static oc_search *
combine(node_kind kind, oc_search *a, oc_search *b)
{
	oc_search  *n;

	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	n = node_new(kind);
	if (n == NULL)
	{
		oc_search_free(a);
		oc_search_free(b);
		return NULL;
	}
	n->left = a;
	n->right = b;
	return n;
}

oc_search *
oc_search_and(oc_search *a, oc_search *b)
{
	return combine(NODE_AND, a, b);
}

oc_search *
oc_search_or(oc_search *a, oc_search *b)
{
	return combine(NODE_OR, a, b);
}

void
oc_search_free(oc_search *s)
{
	if (s == NULL)
		return;
	oc_search_free(s->left);
	oc_search_free(s->right);
	free(s->attr);
	free(s->op);
	free(s->value);
	free(s);
}

static int
render(const oc_search *s, oc_buf *out, node_kind parent)
{
	switch (s->kind)
	{
		case NODE_CMP:
			if (!valid_attr(s->attr) || !valid_op(s->op))
				return -1;
			oc_buf_puts(out, s->attr);
			oc_buf_puts(out, " ");
			oc_buf_puts(out, s->op);
			oc_buf_puts(out, " ");
			if (s->quoted)
				return oc_search_quote(out, s->value);
			if (!valid_raw(s->value))
				return -1;
			oc_buf_puts(out, s->value);
			return 0;
		case NODE_PR:
			if (!valid_attr(s->attr))
				return -1;
			oc_buf_puts(out, s->attr);
			oc_buf_puts(out, " pr");
			return 0;
		case NODE_AND:
		case NODE_OR:
			{
				/* parentheses whenever an operand of 'and' is an 'or' (and the reverse) */
				int			paren = parent != s->kind && (parent == NODE_AND || parent == NODE_OR);

				if (paren)
					oc_buf_puts(out, "(");
				if (render(s->left, out, s->kind) < 0)
					return -1;
				oc_buf_puts(out, s->kind == NODE_AND ? " and " : " or ");
				if (render(s->right, out, s->kind) < 0)
					return -1;
				if (paren)
					oc_buf_puts(out, ")");
				return 0;
			}
	}
	return -1;
}

char *
oc_search_render(const oc_search *s)
{
	oc_buf		b;

	if (s == NULL)
		return NULL;
	oc_buf_init(&b);
	if (render(s, &b, NODE_CMP) < 0 || b.failed)
	{
		oc_buf_free(&b);
		return NULL;
	}
	return oc_buf_take(&b);
}
