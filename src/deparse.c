/*
 * deparse.c
 *      Which quals narrow the Okta request, and the requests a scan sends.
 *
 * A qual is used only when it has exactly the listed shape; everything
 * else is filtered locally, and every qual used here is rechecked locally
 * too (Okta compares strings case-insensitively, and search is eventually
 * consistent), so pushdown never changes a result.
 */
#include "oktafdw.h"

#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"

/* The Okta field a column reads, as SPEC's mapping rules give it. */
static const char *
column_field(Oid relid, AttrNumber attnum)
{
	char	   *path = okta_column_path(relid, attnum);

	if (path)
		return path;
	return get_attname(relid, attnum, false);
}

/* var = (const or external param) on a text column of this rel */
static bool
match_text_eq(Expr *clause, Index relid, AttrNumber *attnum, Expr **value)
{
	OpExpr	   *op;
	Node	   *l,
			   *r;

	if (!IsA(clause, OpExpr))
		return false;
	op = (OpExpr *) clause;
	if (op->opno != TextEqualOperator || list_length(op->args) != 2)
		return false;
	l = (Node *) linitial(op->args);
	r = (Node *) lsecond(op->args);
	if (IsA(l, RelabelType))
		l = (Node *) ((RelabelType *) l)->arg;
	if (IsA(r, RelabelType))
		r = (Node *) ((RelabelType *) r)->arg;
	if (!IsA(l, Var))
	{
		Node	   *t = l;

		l = r;
		r = t;
	}
	if (!IsA(l, Var) || ((Var *) l)->varno != relid ||
		((Var *) l)->varlevelsup != 0 || ((Var *) l)->varattno <= 0)
		return false;
	if (IsA(r, Const))
	{
		if (((Const *) r)->constisnull)
			return false;
	}
	else if (!(IsA(r, Param) && ((Param *) r)->paramkind == PARAM_EXTERN))
		return false;
	*attnum = ((Var *) l)->varattno;
	*value = (Expr *) r;
	return true;
}

/*
 * Pick the qual that narrows the request most.  Returns the push kind and
 * the expression giving the value (evaluated at execution).
 */
OktaPush
okta_classify_quals(PlannerInfo *root, RelOptInfo *baserel,
					OktaObject object, Expr **value)
{
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	OktaPush	best = PUSH_NONE;
	ListCell   *lc;

	*value = NULL;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		AttrNumber	attnum;
		Expr	   *v;
		const char *field;
		char	   *path;
		OktaPush	kind = PUSH_NONE;

		if (!match_text_eq(ri->clause, baserel->relid, &attnum, &v))
			continue;
		field = column_field(rte->relid, attnum);
		path = okta_column_path(rte->relid, attnum);
		switch (object)
		{
			case OKTA_USERS:
				if (strcmp(field, "id") == 0)
					kind = PUSH_ID;
				else if (strcmp(field, "status") == 0)
					kind = PUSH_STATUS;
				break;
			case OKTA_GROUPS:
				if (strcmp(field, "id") == 0)
					kind = PUSH_ID;
				break;
			case OKTA_GROUP_MEMBERS:
				if (path == NULL && strcmp(field, "group_id") == 0)
					kind = PUSH_PARENT;
				break;
			case OKTA_USER_GROUPS:
				if (path == NULL && strcmp(field, "user_id") == 0)
					kind = PUSH_PARENT;
				break;
		}
		/* id beats parent beats status */
		if (kind != PUSH_NONE &&
			(best == PUSH_NONE || (kind == PUSH_ID) ||
			 (kind == PUSH_PARENT && best == PUSH_STATUS)))
		{
			best = kind;
			*value = v;
		}
	}
	return best;
}

/* ---------- request building ---------- */

typedef struct ReqBuilder
{
	oc_buf		wire;
	StringInfoData display;
	bool		any_param;
} ReqBuilder;

static void
rb_init(ReqBuilder *rb)
{
	oc_buf_init(&rb->wire);
	initStringInfo(&rb->display);
	rb->any_param = false;
}

static void
rb_path(ReqBuilder *rb, const char *literal)
{
	oc_buf_puts(&rb->wire, literal);
	appendStringInfoString(&rb->display, literal);
}

static void
rb_segment(ReqBuilder *rb, const char *value)
{
	size_t		start = rb->wire.len;

	oc_encode_path_segment(&rb->wire, value);
	appendBinaryStringInfo(&rb->display, rb->wire.data + start,
						   (int) (rb->wire.len - start));
}

static void
rb_param(ReqBuilder *rb, const char *name, const char *value)
{
	const char *sep = rb->any_param ? "&" : "?";

	oc_buf_puts(&rb->wire, sep);
	oc_buf_puts(&rb->wire, name);
	oc_buf_puts(&rb->wire, "=");
	oc_encode_query_value(&rb->wire, value);
	appendStringInfo(&rb->display, "%s%s=%s", sep, name, value);
	rb->any_param = true;
}

static OktaRequest *
rb_finish(ReqBuilder *rb, int flags, int row_filter)
{
	OktaRequest *req = palloc0(sizeof(OktaRequest));

	if (rb->wire.failed)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	req->target = pstrdup(rb->wire.data);
	req->display = rb->display.data;
	req->flags = flags;
	req->row_filter = row_filter;
	oc_buf_free(&rb->wire);
	return req;
}

static OktaRequest *
listing(const char *path, int page_size, const char *pname, const char *pvalue,
		int row_filter)
{
	ReqBuilder	rb;
	char		limit[16];

	rb_init(&rb);
	rb_path(&rb, path);
	if (pname)
		rb_param(&rb, pname, pvalue);
	snprintf(limit, sizeof(limit), "%d", page_size);
	rb_param(&rb, "limit", limit);
	return rb_finish(&rb, OC_CURSOR_ARRAY | OC_CURSOR_PREFETCH, row_filter);
}

static OktaRequest *
one_object(const char *collection, const char *id)
{
	ReqBuilder	rb;

	rb_init(&rb);
	rb_path(&rb, collection);
	rb_path(&rb, "/");
	rb_segment(&rb, id);
	return rb_finish(&rb, OC_CURSOR_MISSING_OK, ROWS_ALL);
}

static OktaRequest *
sub_listing(const char *collection, const char *id, const char *sub,
			int page_size)
{
	ReqBuilder	rb;
	char		limit[16];

	rb_init(&rb);
	rb_path(&rb, collection);
	rb_path(&rb, "/");
	rb_segment(&rb, id);
	rb_path(&rb, sub);
	snprintf(limit, sizeof(limit), "%d", page_size);
	rb_param(&rb, "limit", limit);
	return rb_finish(&rb, OC_CURSOR_ARRAY | OC_CURSOR_MISSING_OK | OC_CURSOR_PREFETCH,
					 ROWS_ALL);
}

/* The members of one group (fan-out and group_id = v). */
OktaRequest *
okta_member_request(OktaObject object, const char *group_id, int page_size)
{
	(void) object;
	return sub_listing("/api/v1/groups", group_id, "/users", page_size);
}

/*
 * The requests of a scan, in order.  value is the pushed qual's value (NULL
 * when none).  With *fanout set, the single request lists groups and each
 * group's members are fetched in turn.
 */
List *
okta_plan_requests(OktaObject object, OktaPush push, const char *value,
				   int page_size, bool *fanout)
{
	*fanout = false;

	/* an empty id would name the collection itself: it matches nothing */
	if (push != PUSH_NONE && push != PUSH_STATUS && value && value[0] == '\0')
		return NIL;

	switch (object)
	{
		case OKTA_USERS:
			if (push == PUSH_ID)
				return list_make1(one_object("/api/v1/users", value));
			if (push == PUSH_STATUS)
			{
				oc_buf		q;

				oc_buf_init(&q);
				oc_buf_puts(&q, "status eq ");
				if (oc_search_quote(&q, value) == 0 && !q.failed)
				{
					OktaRequest *r = listing("/api/v1/users", page_size, "search",
											 q.data, ROWS_ALL);

					oc_buf_free(&q);
					return list_make1(r);
				}
				oc_buf_free(&q);
				/* not expressible: list everything, filter locally */
			}

			/*
			 * Okta's plain listing leaves DEPROVISIONED users out: fetch them
			 * with a second listing.  Each listing keeps only its own side of
			 * the split, so a user changing status mid-scan is not doubled.
			 */
			return list_make2(listing("/api/v1/users", page_size, NULL, NULL,
									  ROWS_NOT_DEPROVISIONED),
							  listing("/api/v1/users", page_size, "filter",
									  "status eq \"DEPROVISIONED\"",
									  ROWS_DEPROVISIONED));
		case OKTA_GROUPS:
			if (push == PUSH_ID)
				return list_make1(one_object("/api/v1/groups", value));
			return list_make1(listing("/api/v1/groups", page_size, NULL, NULL, ROWS_ALL));
		case OKTA_GROUP_MEMBERS:
			if (push == PUSH_PARENT)
				return list_make1(sub_listing("/api/v1/groups", value, "/users", page_size));
			*fanout = true;
			return list_make1(listing("/api/v1/groups", page_size, NULL, NULL, ROWS_ALL));
		case OKTA_USER_GROUPS:
			if (push == PUSH_PARENT)
				return list_make1(sub_listing("/api/v1/users", value, "/groups", page_size));
			*fanout = true;
			return list_make1(listing("/api/v1/groups", page_size, NULL, NULL, ROWS_ALL));
	}
	return NIL;
}
