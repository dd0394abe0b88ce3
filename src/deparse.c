/*
 * deparse.c
 *      Which quals narrow the Okta request (requests.c builds the requests).
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
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"


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
	OktaCmpKind kind;			/* how it compares */
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
	ci->attr = okta_column_search_attr(relid, object, &info, &ci->kind);
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

/* a comparison of a custom attribute: its value's type goes with it */
static List *
typed_cmp_node(const char *attr, const char *op, int vk, int idx, Oid typid)
{
	return lappend(cmp_node(attr, op, vk, idx), makeInteger((int) typid));
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
 * Okta's name (eq, lt, le, gt, ge) of a built-in comparison operator
 * (=, <, <=, >, >=), commuted when the column is on its right, or NULL
 */
static const char *
okta_cmp_op(Oid opno, bool commuted)
{
	const char *oname;
	const char *okta_op = NULL;

	if (opno >= FirstNormalObjectId)
		return NULL;
	oname = get_opname(opno);
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

/*
 * Okta's name (eq, lt, le, gt, ge) of a built-in timestamptz comparison
 * "column op value" (commuted: "value op column"), or NULL
 */
static const char *
ts_operator(OpExpr *op, Node *value, bool commuted)
{
	if (exprType(value) != TIMESTAMPTZOID)
		return NULL;
	return okta_cmp_op(op->opno, commuted);
}

/* a type whose built-in comparisons are numbers' (the column's is checked) */
static bool
numeric_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID ||
		typid == NUMERICOID || typid == FLOAT8OID;
}

/*
 * A comparison of a custom attribute of kind ci->kind with a value of type
 * typid by a built-in operator (eq, lt, ...), or NIL.  Okta compares a
 * number attribute as a double: a double keeps every <= and >= (rounding
 * is monotonic) but not every < and >, which widen to <= and >=.
 */
static List *
push_typed(PushContext *cx, const ColInfo *ci, const char *okta_op, Node *value,
		   bool is_array)
{
	Oid			typid = exprType(value);
	int			vk;

	if (okta_op == NULL)
		return NIL;
	if (is_array)
	{
		typid = get_element_type(typid);
		if (!OidIsValid(typid) || strcmp(okta_op, "eq") != 0)
			return NIL;
	}
	switch (ci->kind)
	{
		case CMP_INTEGER:
		case CMP_NUMBER:
			if (!numeric_type(typid))
				return NIL;
			vk = ci->kind == CMP_INTEGER ? VK_INTEGER : VK_NUMBER;
			if (ci->kind == CMP_NUMBER && strcmp(okta_op, "lt") == 0)
				okta_op = "le";
			else if (ci->kind == CMP_NUMBER && strcmp(okta_op, "gt") == 0)
				okta_op = "ge";
			break;
		case CMP_BOOLEAN:
			if (typid != BOOLOID || strcmp(okta_op, "eq") != 0)
				return NIL;
			vk = VK_BOOL;
			break;
		case CMP_DATE:
			if (typid != DATEOID)
				return NIL;
			vk = VK_DATE;
			break;
		default:
			return NIL;
	}
	if (is_array)
		vk |= VK_ARRAY;
	return list_make1(typed_cmp_node(ci->attr, okta_op, vk, add_expr(cx, value), typid));
}

/* a boolean column alone (or under NOT): attr eq true (false), else NIL */
static List *
push_bool_column(PushContext *cx, Node *n, bool value)
{
	AttrNumber	att;
	ColInfo		ci;

	if ((att = our_column(cx, n)) == 0)
		return NIL;
	column_info(cx->relid, cx->object, att, &ci);
	if (ci.attr == NULL || ci.kind != CMP_BOOLEAN)
		return NIL;
	return push_typed(cx, &ci, "eq", makeBoolConst(value, false), false);
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

	if (ci.kind != CMP_TEXT && ci.kind != CMP_TIMESTAMP)
		return push_typed(cx, &ci, okta_cmp_op(op->opno, commuted), r, false);
	if (ci.kind == CMP_TEXT)
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

				if (!sa->useOr || list_length(sa->args) != 2 ||
					(att = our_column(cx, linitial(sa->args))) == 0 ||
					!value_ok(cx, lsecond(sa->args)))
					return NIL;
				column_info(cx->relid, cx->object, att, &ci);
				if (ci.attr == NULL || ci.kind == CMP_TIMESTAMP)
					return NIL;
				if (ci.kind != CMP_TEXT)
					return push_typed(cx, &ci, okta_cmp_op(sa->opno, false),
									  lsecond(sa->args), true);
				if (sa->opno != TextEqualOperator)
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
				if (ci.attr == NULL || ci.kind == CMP_TIMESTAMP || ci.filter_only ||
					strncmp(ci.attr, "profile.", 8) != 0)
					return NIL;
				/* a string may be "" (which pr leaves out), a number not */
				return list_make1(list_make3(makeInteger(PN_NOTNULL),
											 makeString(pstrdup(ci.attr)),
											 makeInteger(ci.kind == CMP_TEXT ||
														 ci.kind == CMP_DATE)));
			}
		case T_BoolExpr:
			{
				BoolExpr   *b = (BoolExpr *) n;
				List	   *kids = NIL;
				ListCell   *lc;

				if (b->boolop == NOT_EXPR)
					return push_bool_column(cx, linitial(b->args), false);
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
		case T_Var:
			return push_bool_column(cx, n, true);
		case T_BooleanTest:
			{
				BooleanTest *bt = (BooleanTest *) n;

				if (bt->booltesttype != IS_TRUE && bt->booltesttype != IS_FALSE)
					return NIL;
				return push_bool_column(cx, (Node *) bt->arg, bt->booltesttype == IS_TRUE);
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
