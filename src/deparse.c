/*
 * deparse.c
 *      Which quals narrow the Okta request, and the requests a scan sends.
 *
 * Planning walks the quals and keeps only shapes it knows (the default is
 * "filter locally"): a lookup (id = v, id IN (...), a join parameter) that
 * turns the scan into single-object or per-parent requests, and a tree of
 * comparisons that becomes an Okta `search` or `filter` expression.  Values
 * are expressions evaluated at execution (constants, parameters, stable
 * functions such as now()), so the expression is rendered then.  Every qual
 * stays in the local filter as well: Okta compares strings
 * case-insensitively and its search index is eventually consistent, so a
 * pushed qual may only ever widen what Okta returns, never narrow the
 * result.  Anything that cannot be rendered safely is dropped from the
 * request (which only widens it).
 */
#include "oktafdw.h"

#include "access/sysattr.h"
#include "access/transam.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/* node tags of the pushed-down tree (kept in fdw_private as Lists) */
#define PN_CMP		1			/* (tag, attr, op, value kind, expr index) */
#define PN_NOTNULL	2			/* (tag, attr) */
#define PN_AND		3			/* (tag, children) */
#define PN_OR		4

/* value kinds */
#define VK_TEXT		1			/* a string */
#define VK_TS		2			/* a timestamptz */
#define VK_LIKE		3			/* a LIKE pattern: a prefix becomes sw */
#define VK_TEXT_IN	4			/* an array of strings: or of eq */

/* ---------- columns ---------- */

typedef enum ColRole
{
	ROLE_PLAIN,
	ROLE_ID,					/* users.id, groups.id */
	ROLE_LOGIN,					/* users' profile.login */
	ROLE_PARENT					/* group_members.group_id, user_groups.user_id */
} ColRole;

typedef struct ColInfo
{
	ColRole		role;
	const char *attr;			/* Okta attribute, NULL if not searchable */
	bool		is_ts;			/* a timestamp attribute */
	bool		filter_only;	/* the listing takes `filter`, no `search` */
	bool		bounds;			/* ranges become since/until */
} ColInfo;

/* what pushdown may do with a column: tables.c's description of it */
static void
column_info(Oid relid, OktaObject object, AttrNumber attnum, ColInfo *ci)
{
	OktaColumnInfo info;

	okta_column_info(relid, object, attnum, &info);
	memset(ci, 0, sizeof(*ci));
	switch (info.role)
	{
		case COL_LOOKUP_ID:
			ci->role = ROLE_ID;
			break;
		case COL_LOOKUP_LOGIN:
			ci->role = ROLE_LOGIN;
			break;
		case COL_PARENT_ID:
			ci->role = ROLE_PARENT;
			return;
		case COL_OBJECT:
		case COL_FIELD:
			break;
	}
	ci->attr = okta_column_search_attr(relid, object, &info, &ci->is_ts);
	ci->filter_only = !okta_table(object)->kind->search;
	ci->bounds = info.def && (info.def->flags & OF_BOUNDS) &&
		info.typid == TIMESTAMPTZOID;
}

/* ---------- projection: Okta's `fields` parameter ---------- */

/* longest `fields` value sent; a longer one asks for whole objects */
#define MAX_FIELDS_LEN 2000

/* a name Okta's fields syntax can carry as it is */
static bool
field_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
	{
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	}
	return true;
}

static List *
add_field(List *fields, const char *name)
{
	ListCell   *lc;

	foreach(lc, fields)
	{
		if (strcmp(lfirst(lc), name) == 0)
			return fields;
	}
	return lappend(fields, pstrdup(name));
}

/*
 * The field a used column reads (tables.c's okta_column_info), added to
 * *top (top-level fields) or *prof (profile sub-fields): a path's first
 * step, or its second under profile.  false when the column needs what a
 * projection may not give (the whole profile, credentials, a top-level
 * field the kind does not let a projection name).
 */
static bool
column_field(const OktaKindDef *kind, const OktaColumnInfo *info, List **top, List **prof)
{
	char	   *first = pstrdup(info->path);
	char	   *rest = strchr(first, '.');
	const OktaFieldDef *f;

	if (info->name_key)
	{
		/* a name: at the top level when the kind has it, else in profile */
		first = info->name_key;
		rest = NULL;
		if (strcmp(info->path, first) != 0)
		{
			if (!field_name_ok(first))
				return false;
			*prof = add_field(*prof, first);
			return true;
		}
	}
	if (rest)
		*rest++ = '\0';
	if (strcmp(first, "profile") != 0)
	{
		f = okta_kind_field(kind, first);
		if (f == NULL || !(f->flags & OF_PROJECT))
			return false;
		*top = add_field(*top, first);
		return true;
	}
	if (rest == NULL)
		return false;			/* the whole profile */
	if (strchr(rest, '.'))
		*strchr(rest, '.') = '\0';
	if (!field_name_ok(rest))
		return false;
	*prof = add_field(*prof, rest);
	return true;
}

/*
 * What a scan's listings of user objects may leave out, from the columns
 * it uses (its target list and its quals):
 *
 * *fields: Okta's `fields` projection, "id,status" and the columns'
 * fields, e.g. "id,status,lastLogin,profile:(login,email)".  id and status
 * are always asked for: errors name the id, and the scan tells the
 * DEPROVISIONED listing's users apart by status.  NULL asks for whole
 * objects, which is always correct: for the whole row, and whenever a
 * column's field is not certain.
 *
 * *omit: OC_CURSOR_OMIT_* (the `okta-response` omit header): credentials
 * and transitioningToStatus when no column used reads them.
 *
 * Kinds without a projection (groups) get NULL and 0.  user_groups' rows
 * are groups, but its fan-out lists each group's members (users), of which
 * it reads the ids.
 */
void
okta_listing_projection(Oid relid, OktaObject object, Bitmapset *attrs_used,
						char **fields, int *omit)
{
	const OktaTableDef *t = okta_table(object);
	List	   *top = list_make2(pstrdup("id"), pstrdup("status"));
	List	   *prof = NIL;
	bool		projectable = true;
	StringInfoData b;
	ListCell   *lc;
	int			i = -1;
	bool		ids_only = !t->kind->projection;

	*fields = NULL;
	*omit = 0;
	if (ids_only && !(t->parent_kind && t->parent_kind->projection))
		return;
	*omit = OC_CURSOR_OMIT_CREDENTIALS | OC_CURSOR_OMIT_TRANSITIONING;
	while (!ids_only && (i = bms_next_member(attrs_used, i)) >= 0)
	{
		AttrNumber	att = i + FirstLowInvalidHeapAttributeNumber;
		OktaColumnInfo info;
		char	   *first;
		const OktaFieldDef *f;

		if (att == 0)
		{
			*omit = 0;			/* the whole row */
			return;
		}
		if (att < 0 || get_attname(relid, att, true) == NULL)
			continue;			/* system columns are not Okta's */
		okta_column_info(relid, object, att, &info);
		if (info.role == COL_PARENT_ID)
			continue;			/* the parent's id, from the request */
		first = pstrdup(info.path);
		if (strchr(first, '.'))
			*strchr(first, '.') = '\0';
		f = okta_kind_field(t->kind, first);
		if (f && (f->flags & OF_OMIT_CREDENTIALS))
			*omit = 0;
		if (f && (f->flags & OF_OMIT_TRANSITIONING))
			*omit &= ~OC_CURSOR_OMIT_TRANSITIONING;
		if (projectable && !column_field(t->kind, &info, &top, &prof))
			projectable = false;
	}
	if (!projectable)
		return;

	initStringInfo(&b);
	foreach(lc, top)
		appendStringInfo(&b, "%s%s", b.len ? "," : "", (char *) lfirst(lc));
	if (prof != NIL)
	{
		appendStringInfoString(&b, ",profile:(");
		foreach(lc, prof)
			appendStringInfo(&b, "%s%s", lc == list_head(prof) ? "" : ",",
							 (char *) lfirst(lc));
		appendStringInfoChar(&b, ')');
	}
	if (b.len <= MAX_FIELDS_LEN)
		*fields = b.data;
}

/* ---------- classification ---------- */

typedef struct PushContext
{
	PlannerInfo *root;
	RelOptInfo *baserel;
	Oid			relid;
	OktaObject	object;
	List	   *exprs;			/* value expressions, in fdw_exprs order */
} PushContext;

/* a value we can evaluate at execution: nothing of this rel, nothing volatile */
static bool
value_ok(PushContext *cx, Node *e)
{
	if (e == NULL)
		return false;
	if (bms_is_member(cx->baserel->relid, pull_varnos(cx->root, e)))
		return false;
	if (contain_volatile_functions(e) || contain_subplans(e) ||
		contain_agg_clause(e) || contain_window_function(e))
		return false;
	return true;
}

static Node *
strip(Node *n)
{
	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	return n;
}

/* the attnum if n is a column of our rel, else 0 */
static AttrNumber
our_column(PushContext *cx, Node *n)
{
	n = strip(n);
	if (n && IsA(n, Var) && ((Var *) n)->varno == cx->baserel->relid &&
		((Var *) n)->varlevelsup == 0 && ((Var *) n)->varattno > 0)
		return ((Var *) n)->varattno;
	return 0;
}

static int
add_expr(PushContext *cx, Node *e)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, cx->exprs)
	{
		if (equal(lfirst(lc), e))
			return i;
		i++;
	}
	cx->exprs = lappend(cx->exprs, e);
	return list_length(cx->exprs) - 1;
}

static List *
cmp_node(const char *attr, const char *op, int vk, int idx)
{
	return list_make5(makeInteger(PN_CMP), makeString(pstrdup(attr)),
					  makeString(pstrdup(op)), makeInteger(vk), makeInteger(idx));
}

static const char *
commute_op(const char *op)
{
	if (strcmp(op, "gt") == 0)
		return "lt";
	if (strcmp(op, "lt") == 0)
		return "gt";
	if (strcmp(op, "ge") == 0)
		return "le";
	if (strcmp(op, "le") == 0)
		return "ge";
	return op;
}

static List *push_expr(PushContext *cx, Node *n);

/*
 * Okta's name (eq, lt, le, gt, ge) of a built-in timestamptz comparison
 * "column op value" (commuted: "value op column"), or NULL
 */
static const char *
ts_operator(OpExpr *op, Node *value, bool commuted)
{
	const char *oname;
	const char *okta_op = NULL;

	if (op->opno >= FirstNormalObjectId || exprType(value) != TIMESTAMPTZOID)
		return NULL;
	oname = get_opname(op->opno);
	if (oname == NULL)
		return NULL;
	if (strcmp(oname, "=") == 0)
		okta_op = "eq";
	else if (strcmp(oname, "<") == 0)
		okta_op = "lt";
	else if (strcmp(oname, "<=") == 0)
		okta_op = "le";
	else if (strcmp(oname, ">") == 0)
		okta_op = "gt";
	else if (strcmp(oname, ">=") == 0)
		okta_op = "ge";
	if (okta_op && commuted)
		okta_op = commute_op(okta_op);
	return okta_op;
}

/* "column op value" or "value op column" on a column of ours: its parts */
static bool
column_op_value(PushContext *cx, OpExpr *op, AttrNumber *att, Node **value, bool *commuted)
{
	Node	   *l,
			   *r;

	if (list_length(op->args) != 2)
		return false;
	l = linitial(op->args);
	r = lsecond(op->args);
	*commuted = false;
	if ((*att = our_column(cx, l)) == 0)
	{
		if ((*att = our_column(cx, r)) == 0)
			return false;
		r = l;
		*commuted = true;
	}
	*value = r;
	return value_ok(cx, r);
}

static List *
push_opexpr(PushContext *cx, OpExpr *op)
{
	Node	   *r;
	AttrNumber	att;
	bool		commuted;
	ColInfo		ci;
	const char *okta_op;

	if (!column_op_value(cx, op, &att, &r, &commuted))
		return NIL;
	column_info(cx->relid, cx->object, att, &ci);
	if (ci.attr == NULL)
		return NIL;

	if (!ci.is_ts)
	{
		/* text: = (case-insensitive at Okta, rechecked here), LIKE/ILIKE prefix */
		if (op->opno == TextEqualOperator)
			return list_make1(cmp_node(ci.attr, "eq", VK_TEXT, add_expr(cx, r)));
		if ((op->opno == OID_TEXT_LIKE_OP || op->opno == OID_TEXT_ICLIKE_OP) && !commuted &&
			!ci.filter_only)
			return list_make1(cmp_node(ci.attr, "sw", VK_LIKE, add_expr(cx, r)));
		return NIL;
	}

	if (ci.filter_only)
		return NIL;				/* no timestamp field takes filter ops alone */
	okta_op = ts_operator(op, r, commuted);
	if (okta_op == NULL)
		return NIL;
	return list_make1(cmp_node(ci.attr, okta_op, VK_TS, add_expr(cx, r)));
}

/*
 * A pushed-down tree node for an expression, or NIL when it cannot be
 * pushed.  The node is wrapped in a one-element list so NIL can mean "no".
 */
static List *
push_expr(PushContext *cx, Node *n)
{
	n = strip(n);
	if (n == NULL)
		return NIL;
	switch (nodeTag(n))
	{
		case T_OpExpr:
			return push_opexpr(cx, (OpExpr *) n);
		case T_ScalarArrayOpExpr:
			{
				ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) n;
				AttrNumber	att;
				ColInfo		ci;

				if (!sa->useOr || sa->opno != TextEqualOperator ||
					list_length(sa->args) != 2 ||
					(att = our_column(cx, linitial(sa->args))) == 0 ||
					!value_ok(cx, lsecond(sa->args)))
					return NIL;
				column_info(cx->relid, cx->object, att, &ci);
				if (ci.attr == NULL || ci.is_ts)
					return NIL;
				return list_make1(cmp_node(ci.attr, "eq", VK_TEXT_IN,
										   add_expr(cx, lsecond(sa->args))));
			}
		case T_NullTest:
			{
				NullTest   *nt = (NullTest *) n;
				AttrNumber	att;
				ColInfo		ci;

				if (nt->nulltesttype != IS_NOT_NULL || nt->argisrow ||
					(att = our_column(cx, (Node *) nt->arg)) == 0)
					return NIL;
				column_info(cx->relid, cx->object, att, &ci);
				if (ci.attr == NULL || ci.is_ts || ci.filter_only ||
					strncmp(ci.attr, "profile.", 8) != 0)
					return NIL;
				return list_make1(list_make2(makeInteger(PN_NOTNULL),
											 makeString(pstrdup(ci.attr))));
			}
		case T_BoolExpr:
			{
				BoolExpr   *b = (BoolExpr *) n;
				List	   *kids = NIL;
				ListCell   *lc;

				if (b->boolop == NOT_EXPR)
					return NIL;
				foreach(lc, b->args)
				{
					List	   *k = push_expr(cx, lfirst(lc));

					if (k == NIL)
					{
						/* an AND may drop a part (wider); an OR may not */
						if (b->boolop == OR_EXPR)
							return NIL;
						continue;
					}
					kids = lappend(kids, linitial(k));
				}
				if (kids == NIL)
					return NIL;
				if (list_length(kids) == 1)
					return kids;
				return list_make1(list_make2(makeInteger(b->boolop == AND_EXPR ? PN_AND : PN_OR),
											 kids));
			}
		default:
			return NIL;
	}
}

/* A lookup qual: col = v or col IN (array) on an id/login/parent column. */
static bool
match_lookup(PushContext *cx, Node *n, ColRole *role, Node **value, bool *is_array)
{
	AttrNumber	att;
	ColInfo		ci;
	Node	   *other;

	n = strip(n);
	if (IsA(n, OpExpr) && ((OpExpr *) n)->opno == TextEqualOperator &&
		list_length(((OpExpr *) n)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) n;

		if ((att = our_column(cx, linitial(op->args))) != 0)
			other = lsecond(op->args);
		else if ((att = our_column(cx, lsecond(op->args))) != 0)
			other = linitial(op->args);
		else
			return false;
		*is_array = false;
	}
	else if (IsA(n, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) n)->useOr &&
			 ((ScalarArrayOpExpr *) n)->opno == TextEqualOperator &&
			 (att = our_column(cx, linitial(((ScalarArrayOpExpr *) n)->args))) != 0)
	{
		other = lsecond(((ScalarArrayOpExpr *) n)->args);
		*is_array = true;
	}
	else
		return false;
	if (!value_ok(cx, other))
		return false;
	column_info(cx->relid, cx->object, att, &ci);
	if (ci.role == ROLE_PLAIN)
		return false;
	*role = ci.role;
	*value = other;
	return true;
}

/* Is this column (attnum) a lookup column of the object? */
bool
okta_is_lookup_column(Oid relid, OktaObject object, AttrNumber attnum)
{
	ColInfo		ci;

	column_info(relid, object, attnum, &ci);
	return ci.role == ROLE_ID || ci.role == ROLE_PARENT;
}

/* filter grammar: what Okta's `filter` accepts (else `search` is used) */
static bool
filter_ok(OktaObject object, List *node)
{
	int			tag = intVal(linitial(node));

	if (tag == PN_AND || tag == PN_OR)
	{
		ListCell   *lc;

		foreach(lc, (List *) lsecond(node))
		{
			if (!filter_ok(object, lfirst(lc)))
				return false;
		}
		return true;
	}
	if (tag == PN_CMP)
	{
		const char *attr = strVal(lsecond(node));
		const char *op = strVal(lthird(node));
		int			vk = intVal(lfourth(node));

		if (vk == VK_LIKE)
			return false;
		return okta_field_filter_op(object, attr, op);
	}
	return false;
}

/*
 * The bounds of a since/until field (the System Log's published): each
 * "column op value" of the scan's quals (a top-level AND), as (op, expr
 * index) pairs.
 */
static List *
plan_bounds(PushContext *cx, List *quals)
{
	List	   *bounds = NIL;
	ListCell   *lc;

	foreach(lc, quals)
	{
		Node	   *n = strip((Node *) lfirst_node(RestrictInfo, lc)->clause);
		AttrNumber	att;
		Node	   *value;
		bool		commuted;
		ColInfo		ci;
		const char *op;

		if (!IsA(n, OpExpr) || !column_op_value(cx, (OpExpr *) n, &att, &value, &commuted))
			continue;
		column_info(cx->relid, cx->object, att, &ci);
		if (!ci.bounds || (op = ts_operator((OpExpr *) n, value, commuted)) == NULL)
			continue;
		bounds = lappend(bounds, list_make2(makeString(pstrdup(op)),
											makeInteger(add_expr(cx, value))));
	}
	return bounds;
}

/*
 * Sort the quals (RestrictInfos) of a scan into a lookup and a search tree.
 * The result is what GetForeignPlan stores; *exprs gets the value
 * expressions (fdw_exprs).
 */
OktaPushPlan *
okta_plan_pushdown(PlannerInfo *root, RelOptInfo *baserel, Oid relid,
				   OktaObject object, List *quals)
{
	OktaPushPlan *pp = palloc0(sizeof(OktaPushPlan));
	PushContext cx;
	ListCell   *lc;
	List	   *conj = NIL;
	ColRole		best = ROLE_PLAIN;
	Node	   *best_value = NULL;
	bool		best_array = false;

	cx.root = root;
	cx.baserel = baserel;
	cx.relid = relid;
	cx.object = object;
	cx.exprs = NIL;

	/* the best lookup: id, then parent, then login */
	foreach(lc, quals)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		ColRole		role;
		Node	   *value;
		bool		is_array;

		if (!match_lookup(&cx, (Node *) ri->clause, &role, &value, &is_array))
			continue;
		if (best == ROLE_PLAIN || role == ROLE_ID ||
			(role == ROLE_PARENT && best == ROLE_LOGIN) ||
			(role == best && best_array && !is_array))
		{
			best = role;
			best_value = value;
			best_array = is_array;
		}
	}
	if (best != ROLE_PLAIN)
	{
		pp->lookup = best == ROLE_ID ? LOOKUP_ID : best == ROLE_LOGIN ? LOOKUP_LOGIN : LOOKUP_PARENT;
		pp->lookup_expr = add_expr(&cx, best_value);
		pp->lookup_array = best_array;
	}
	else if (okta_table(object)->parent_kind == NULL)
	{
		foreach(lc, quals)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
			List	   *k = push_expr(&cx, (Node *) ri->clause);

			if (k != NIL)
				conj = lappend(conj, linitial(k));
		}
		if (list_length(conj) == 1)
			pp->search = linitial(conj);
		else if (conj != NIL)
			pp->search = list_make2(makeInteger(PN_AND), conj);
		pp->use_filter = pp->search != NIL &&
			(!okta_table(object)->kind->search || filter_ok(object, pp->search));
		pp->bounds = plan_bounds(&cx, quals);
	}
	pp->exprs = cx.exprs;
	return pp;
}

/* ---------- execution: values to requests ---------- */

static void
add_text(List **vals, const char *s)
{
	ListCell   *lc;

	foreach(lc, *vals)
	{
		if (strcmp(lfirst(lc), s) == 0)
			return;				/* IN ('a', 'a') asks once */
	}
	*vals = lappend(*vals, pstrdup(s));
}

/* the non-null strings of a text or text[] value, distinct */
static List *
text_values(const OktaValue *v, bool is_array)
{
	List	   *vals = NIL;

	if (v->isnull)
		return NIL;
	if (v->display)
	{
		vals = lappend(vals, (char *) v->display);
		return vals;
	}
	if (!is_array)
		add_text(&vals, TextDatumGetCString(v->value));
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(v->value);
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;

		if (ARR_ELEMTYPE(arr) != TEXTOID)
			return NIL;
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			if (!nulls[i])
				add_text(&vals, TextDatumGetCString(elems[i]));
		}
	}
	return vals;
}

/* Okta's timestamp format, rounded so the comparison only widens */
static char *
okta_timestamp(TimestampTz ts, const char *op)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int64		usec_in_ms;

	if (TIMESTAMP_NOT_FINITE(ts))
		return NULL;
	usec_in_ms = ts % 1000;
	if (usec_in_ms < 0)
		usec_in_ms += 1000;
	if (usec_in_ms != 0)
	{
		if (strcmp(op, "eq") == 0)
			return NULL;		/* no Okta value has sub-millisecond digits */
		if (strcmp(op, "lt") == 0 || strcmp(op, "le") == 0)
			ts += 1000 - usec_in_ms;	/* round up: < and <= stay wider */
		else
			ts -= usec_in_ms;	/* round down: > and >= stay wider */
	}
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 ||
		tm.tm_year < 1 || tm.tm_year > 9999)
		return NULL;
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
					tm.tm_sec, (int) (fsec / 1000));
}

/* the prefix of a LIKE pattern 'prefix%', or NULL; *exact when no % */
static char *
like_prefix(const char *pat, bool *exact)
{
	StringInfoData b;
	const char *p;

	initStringInfo(&b);
	for (p = pat; *p; p++)
	{
		if (*p == '\\')
		{
			if (p[1] == '\0')
				return NULL;
			appendStringInfoChar(&b, *++p);
		}
		else if (*p == '_')
			return NULL;
		else if (*p == '%')
		{
			/* only trailing %s */
			while (*p == '%')
				p++;
			if (*p != '\0' || b.len == 0)
				return NULL;
			*exact = false;
			return b.data;
		}
		else
			appendStringInfoChar(&b, *p);
	}
	*exact = true;
	return b.data;
}

static bool
safe_string(const char *s)
{
	for (; *s; s++)
	{
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/*
 * Build the client's search tree from a pushed node and the values; NULL
 * means "no restriction" (which is always safe: the local filter decides).
 */
static oc_search *
build_search(List *node, const OktaValue *vals)
{
	int			tag = intVal(linitial(node));

	switch (tag)
	{
		case PN_AND:
		case PN_OR:
			{
				oc_search  *acc = NULL;
				ListCell   *lc;

				foreach(lc, (List *) lsecond(node))
				{
					oc_search  *k = build_search(lfirst(lc), vals);

					if (k == NULL && tag == PN_OR)
					{
						oc_search_free(acc);
						return NULL;
					}
					acc = tag == PN_AND ? oc_search_and(acc, k) : oc_search_or(acc, k);
				}
				return acc;
			}
		case PN_NOTNULL:
			/* Okta's pr (SCIM "present") leaves out "", SQL's IS NOT NULL does not */
			return oc_search_or(oc_search_pr(strVal(lsecond(node))),
								oc_search_cmp(strVal(lsecond(node)), "eq", "", 1));
		case PN_CMP:
			{
				const char *attr = strVal(lsecond(node));
				const char *op = strVal(lthird(node));
				int			vk = intVal(lfourth(node));
				const OktaValue *v = &vals[intVal(list_nth(node, 4))];
				char	   *s;

				if (v->isnull || v->display)
					return NULL;
				if (vk == VK_TS)
				{
					s = okta_timestamp(DatumGetTimestampTz(v->value), op);
					return s ? oc_search_cmp(attr, op, s, 1) : NULL;
				}
				if (vk == VK_TEXT_IN)
				{
					List	   *texts = text_values(v, true);
					oc_search  *acc = NULL;
					ListCell   *lc;

					if (texts == NIL)
						return NULL;
					foreach(lc, texts)
					{
						if (!safe_string(lfirst(lc)))
						{
							oc_search_free(acc);
							return NULL;
						}
						acc = oc_search_or(acc, oc_search_cmp(attr, "eq", lfirst(lc), 1));
					}
					return acc;
				}
				s = TextDatumGetCString(v->value);
				if (vk == VK_LIKE)
				{
					bool		exact;

					s = like_prefix(s, &exact);
					if (s == NULL)
						return NULL;
					op = exact ? "eq" : "sw";
				}
				if (!safe_string(s))
					return NULL;
				return oc_search_cmp(attr, op, s, 1);
			}
	}
	return NULL;
}

/* ---------- request building ---------- */

/*
 * The requests are built by the client's request builder (oc_request):
 * the target sent and the form EXPLAIN shows come from the same calls.
 */
static OktaRequest *
finish_request(oc_request *r, int flags, int row_filter, const char *parent_id)
{
	OktaRequest *req = palloc0(sizeof(OktaRequest));
	const char *target = oc_request_target(r);

	if (oc_request_failed(r))
	{
		oc_request_free(r);
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	req->target = target ? pstrdup(target) : NULL;
	req->display = pstrdup(oc_request_shown(r));
	req->flags = flags;
	req->row_filter = row_filter;
	req->parent_id = parent_id ? pstrdup(parent_id) : NULL;
	oc_request_free(r);
	return req;
}

/* what a listing of kind's objects sends besides its own parameters */
typedef struct ListingOpts
{
	int			page_size;
	int			limit_hint;		/* rows a LIMIT takes, 0 if unknown */
	const char *fields;			/* projection of user objects, or NULL */
	int			omit;			/* OC_CURSOR_OMIT_* of user objects */
} ListingOpts;

/* limit, then the kind's projection; the cursor flags of such a listing */
static int
listing_tail(oc_request *r, const OktaKindDef *kind, const ListingOpts *o)
{
	int			limit = kind->page_size ? kind->page_size : o->page_size;

	if (o->limit_hint > 0 && o->limit_hint < limit)
		limit = o->limit_hint;
	oc_request_param_int(r, "limit", limit);
	if (kind->projection && o->fields)
		oc_request_param(r, "fields", o->fields);
	/* with a LIMIT, no page is fetched before it is needed */
	return OC_CURSOR_ARRAY | (o->limit_hint > 0 ? 0 : OC_CURSOR_PREFETCH) |
		(kind->projection ? o->omit : 0);
}

/* GET {collection}?{pname}={pvalue}&limit=..: a listing of kind's objects */
static OktaRequest *
listing(const OktaKindDef *kind, const ListingOpts *o, const char *pname,
		const char *pvalue, int row_filter)
{
	oc_request	r;
	int			flags;

	oc_request_init(&r, kind->collection);
	if (pname)
		oc_request_param(&r, pname, pvalue);
	flags = listing_tail(&r, kind, o);
	return finish_request(&r, flags, row_filter, NULL);
}

/* GET {collection}/{id}: one object (404: none) */
static OktaRequest *
one_object(const OktaKindDef *kind, const ListingOpts *o, const char *id, bool placeholder)
{
	oc_request	r;

	oc_request_init(&r, kind->collection);
	if (placeholder)
		oc_request_unknown(&r, id);
	else
		oc_request_segment(&r, id);
	return finish_request(&r, OC_CURSOR_MISSING_OK | (kind->projection ? o->omit : 0),
						  ROWS_ALL, NULL);
}

/*
 * GET {parent collection}/{id}{member path}: a parent's member listing of
 * table t; its rows are of kind rows_kind
 */
static OktaRequest *
member_listing(const OktaTableDef *t, const OktaKindDef *rows_kind, const char *id,
			   bool placeholder, const ListingOpts *o)
{
	oc_request	r;
	int			flags;

	oc_request_init(&r, t->parent_kind->collection);
	if (placeholder)
		oc_request_unknown(&r, id);
	else
		oc_request_segment(&r, id);
	oc_request_path(&r, t->member_path);
	flags = listing_tail(&r, rows_kind, o);
	return finish_request(&r, flags | OC_CURSOR_MISSING_OK, ROWS_ALL,
						  placeholder ? NULL : id);
}

/*
 * A member table read by fan-out lists the groups, then each group's
 * members: the table whose member listings those are.
 */
static const OktaTableDef *
fanout_table(void)
{
	return okta_table(OKTA_GROUP_MEMBERS);
}

/*
 * The member listing of one parent in a fan-out (the parent's id, or with
 * id NULL the {id} form EXPLAIN shows).
 */
OktaRequest *
okta_fanout_request(const char *id, int page_size, const char *fields, int omit)
{
	const OktaTableDef *t = fanout_table();
	ListingOpts o = {page_size, 0, fields, omit};

	return member_listing(t, t->kind, id ? id : "id", id == NULL, &o);
}

/* Display form of a value that is not known yet (EXPLAIN without ANALYZE). */
char *
okta_value_placeholder(Node *e)
{
	e = strip(e);
	if (IsA(e, Param) && ((Param *) e)->paramkind == PARAM_EXTERN)
		return psprintf("$%d", ((Param *) e)->paramid);
	return pstrdup("?");
}

/* the requests of a lookup: one per value (id, login, parent id) */
static List *
lookup_requests(const OktaTableDef *t, const OktaPushPlan *pp, const OktaValue *vals,
				const ListingOpts *o)
{
	const OktaValue *v = &vals[pp->lookup_expr];
	bool		placeholder = v->display != NULL;
	List	   *ids = text_values(v, pp->lookup_array);
	List	   *reqs = NIL;
	ListCell   *lc;

	foreach(lc, ids)
	{
		const char *id = lfirst(lc);

		/* an empty id would name the collection itself: it matches nothing */
		if (id[0] == '\0')
			continue;
		if (pp->lookup == LOOKUP_PARENT)
			reqs = lappend(reqs, member_listing(t, t->kind, id, placeholder, o));
		else if (pp->lookup == LOOKUP_LOGIN && strchr(id, '/') != NULL)
		{
			/* Okta cannot fetch such a login by path: filter for it */
			oc_buf		q;

			oc_buf_init(&q);
			oc_buf_puts(&q, "profile.login eq ");
			if (oc_search_quote(&q, id) == 0 && !q.failed)
				reqs = lappend(reqs, listing(t->kind, o, "filter", q.data, ROWS_ALL));
			oc_buf_free(&q);
		}
		else
			reqs = lappend(reqs, one_object(t->kind, o, id, placeholder));
	}
	return reqs;
}

/* the pushed search as Okta's expression (placeholders shown), or NULL */
static char *
search_expression(const OktaPushPlan *pp, const OktaValue *vals)
{
	oc_search  *s;
	char	   *expr;
	char	   *copy;

	if (pp->search == NIL)
		return NULL;
	if (vals_have_placeholders(pp, vals))
		return okta_search_display(pp->search, vals);
	s = build_search(pp->search, vals);
	expr = oc_search_render(s);
	oc_search_free(s);
	if (expr == NULL)
		return NULL;
	copy = pstrdup(expr);
	free(expr);
	return copy;
}

/* Okta keeps the System Log's events this long (okta-api.md §7) */
#define LOG_RETENTION_DAYS 90

/* a bound of since/until: a timestamp, or shown as text when not known */
typedef struct Bound
{
	bool		known;
	TimestampTz ts;
	const char *shown;
} Bound;

static void
add_bound(oc_request *r, const char *name, const Bound *b)
{
	char	   *s;

	if (!b->known)
	{
		oc_request_unknown_param(r, name, b->shown);
		return;
	}
	s = okta_timestamp(b->ts, "ge");	/* a whole millisecond: as it is */
	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for the Okta System Log")));
	oc_request_param(r, name, s);
}

/*
 * The System Log's listing: published's bounds as since (inclusive) and
 * until (exclusive), at whole milliseconds (Okta's precision) and rounded
 * so that the request only widens (every qual is rechecked); no lower bound,
 * or one older than what Okta keeps, asks for all Okta keeps (now - 90
 * days, not Okta's default of 7 days),
 * and an until is always sent (now at most), since a log query without one
 * is a poll that never ends.  NIL when no event can match.  now NULL: not
 * known yet (EXPLAIN), shown as such.
 */
static List *
log_listing(const OktaTableDef *t, const OktaPushPlan *pp, const OktaValue *vals,
			const ListingOpts *o, const TimestampTz *now, const char *filter)
{
	Bound		since = {false, 0, NULL};
	Bound		until = {false, 0, NULL};
	bool		lower_set = false;
	bool		upper_set = false;
	oc_request	r;
	ListCell   *lc;
	int			flags;

	foreach(lc, pp->bounds)
	{
		const char *op = strVal(linitial(lfirst(lc)));
		const OktaValue *v = &vals[intVal(lsecond(lfirst(lc)))];
		bool		lower = strcmp(op, "lt") != 0 && strcmp(op, "le") != 0;
		bool		upper = strcmp(op, "gt") != 0 && strcmp(op, "ge") != 0;
		TimestampTz ts,
					ms,
					u;

		if (v->isnull)
			return NIL;			/* published op NULL: no row */
		if (v->display)
		{
			/* not known yet (EXPLAIN): shown */
			if (lower && !lower_set)
				since = (Bound) {false, 0, v->display};
			if (upper && !upper_set)
				until = (Bound) {false, 0, v->display};
			lower_set |= lower;
			upper_set |= upper;
			continue;
		}
		ts = DatumGetTimestampTz(v->value);
		if (TIMESTAMP_NOT_FINITE(ts))
		{
			/* > infinity and < -infinity hold for no row; the others for all */
			if ((lower && !TIMESTAMP_IS_NOBEGIN(ts)) || (upper && TIMESTAMP_IS_NOBEGIN(ts)))
				return NIL;
			continue;
		}
		ms = ts - ((ts % 1000) + 1000) % 1000;	/* down to a whole millisecond */
		/* < ts: until ts rounded up; <= ts and = ts: until the next millisecond */
		u = (strcmp(op, "lt") == 0 && ms == ts) ? ms : ms + 1000;
		if (lower && (!lower_set || (since.known && ms > since.ts)))
			since = (Bound) {true, ms, NULL};
		if (upper && (!upper_set || (until.known && u < until.ts)))
			until = (Bound) {true, u, NULL};
		lower_set |= lower;
		upper_set |= upper;
	}
	/*
	 * Okta keeps 90 days (and refuses a since more than 180 days back): an
	 * earlier lower bound is the same as that one
	 */
	if (now && (!lower_set || (since.known &&
							   since.ts < *now - (TimestampTz) LOG_RETENTION_DAYS * USECS_PER_DAY)))
		since = (Bound) {true, *now - (TimestampTz) LOG_RETENTION_DAYS * USECS_PER_DAY, NULL};
	else if (!lower_set)
		since = (Bound) {false, 0, "now - 90 days"};
	if (now && (!upper_set || (until.known && until.ts > *now)))
		until = (Bound) {true, *now, NULL};
	else if (!upper_set)
		until = (Bound) {false, 0, "now"};
	if (since.known && until.known && since.ts >= until.ts)
		return NIL;

	oc_request_init(&r, t->kind->collection);
	add_bound(&r, "since", &since);
	add_bound(&r, "until", &until);
	if (filter)
		oc_request_param(&r, "filter", filter);
	if (pp->sort != 0)
		oc_request_param(&r, "sortOrder", pp->sort > 0 ? "ASCENDING" : "DESCENDING");
	flags = listing_tail(&r, t->kind, o);
	return list_make1(finish_request(&r, flags, ROWS_ALL, NULL));
}

/*
 * The requests of a scan, in order.  vals holds the evaluated value
 * expressions (or, for EXPLAIN, display placeholders); now is the scan's
 * start (NULL for EXPLAIN without running).  With *fanout set, the one
 * request lists groups, and each group's members are fetched in turn
 * (okta_fanout_request).
 */
List *
okta_plan_requests(OktaObject object, const OktaPushPlan *pp, const OktaValue *vals,
				   int page_size, int limit_hint, const TimestampTz *now, bool *fanout)
{
	const OktaTableDef *t = okta_table(object);
	ListingOpts o = {page_size, limit_hint, pp->fields, pp->omit};
	char	   *expr;

	*fanout = false;
	if (pp->lookup != LOOKUP_NONE)
		return lookup_requests(t, pp, vals, &o);
	if (okta_kind_bounds(t->kind))
		return log_listing(t, pp, vals, &o, now, search_expression(pp, vals));

	if (t->parent_kind)
	{
		/*
		 * Memberships without a parent: list the groups, then each one's
		 * members.  expand=stats gives each group's member count, so that
		 * the largest groups (the longest chains of pages) start first.
		 */
		ListingOpts g = {page_size, 0, NULL, 0};

		*fanout = true;
		return list_make1(listing(fanout_table()->parent_kind, &g, "expand", "stats",
								  ROWS_ALL));
	}

	expr = search_expression(pp, vals);
	if (expr)
		return list_make1(listing(t->kind, &o, pp->use_filter ? "filter" : "search", expr,
								  ROWS_ALL));
	if (t->kind->hidden == NULL)
		return list_make1(listing(t->kind, &o, NULL, NULL, ROWS_ALL));

	/*
	 * Okta's plain user listing leaves DEPROVISIONED users out: fetch them
	 * with a second listing.  Each listing keeps only its own side of the
	 * split, so a user changing status mid-scan is not doubled.
	 */
	return list_make2(listing(t->kind, &o, NULL, NULL, ROWS_NOT_DEPROVISIONED),
					  listing(t->kind, &o, "filter", t->kind->hidden, ROWS_DEPROVISIONED));
}

bool
vals_have_placeholders(const OktaPushPlan *pp, const OktaValue *vals)
{
	int			i;

	for (i = 0; i < list_length(pp->exprs); i++)
	{
		if (vals[i].display)
			return true;
	}
	return false;
}

/* The search expression with placeholders, for EXPLAIN. */
char *
okta_search_display(List *node, const OktaValue *vals)
{
	int			tag = intVal(linitial(node));
	StringInfoData b;

	initStringInfo(&b);
	switch (tag)
	{
		case PN_AND:
		case PN_OR:
			{
				ListCell   *lc;
				bool		first = true;

				appendStringInfoChar(&b, '(');
				foreach(lc, (List *) lsecond(node))
				{
					appendStringInfo(&b, "%s%s", first ? "" : (tag == PN_AND ? " and " : " or "),
									 okta_search_display(lfirst(lc), vals));
					first = false;
				}
				appendStringInfoChar(&b, ')');
				break;
			}
		case PN_NOTNULL:
			appendStringInfo(&b, "(%s pr or %s eq \"\")", strVal(lsecond(node)),
							 strVal(lsecond(node)));
			break;
		case PN_CMP:
			{
				const OktaValue *v = &vals[intVal(list_nth(node, 4))];
				oc_search  *s = v->display ? NULL : build_search(node, vals);
				char	   *r = s ? oc_search_render(s) : NULL;

				if (r)
				{
					appendStringInfoString(&b, r);
					free(r);
				}
				else
					appendStringInfo(&b, "%s %s %s", strVal(lsecond(node)),
									 intVal(lfourth(node)) == VK_LIKE ? "sw" : strVal(lthird(node)),
									 v->display ? v->display : "?");
				oc_search_free(s);
				break;
			}
	}
	return b.data;
}
