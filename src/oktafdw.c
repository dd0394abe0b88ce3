/*
 * oktafdw.c
 *      Foreign data wrapper handler: planning, scanning and EXPLAIN.
 *
 * A scan is a sequence of paginated Okta requests (or, for memberships
 * without a group or user qual, a listing of groups and a request for each
 * group's members).  Rows stream page by page: one parsed page is held,
 * and the next one is already being fetched while it is consumed.
 */
#include "oktafdw.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(oktafdw_handler);
PG_FUNCTION_INFO_V1(oktafdw_version);
PG_FUNCTION_INFO_V1(okta_reset);

/* what planning knows about a foreign rel */
typedef struct OktaPlanInfo
{
	OktaTableOptions topts;
	OktaPush	push;
	Expr	   *value;
	Bitmapset  *attrs_used;
	int			page_size;
} OktaPlanInfo;

/* fdw_private of the plan: a List indexed by these */
enum OktaPrivateIndex
{
	PRIV_OBJECT,
	PRIV_PUSH,
	PRIV_ATTRS,
	PRIV_PAGE_SIZE
};

typedef struct OktaScanState
{
	OktaObject	object;
	OktaPush	push;
	int			page_size;
	oc_client  *client;
	ExprState  *value_state;	/* pushed qual's value */
	OktaColumn *cols;
	int			ncols;
	OktaRowContext rowctx;

	/* the requests in order, or the group listing of a fan-out */
	List	   *requests;
	int			next_request;
	bool		fanout;
	char	   *parent_id;		/* pushed parent value */

	oc_cursor  *cur;			/* current listing */
	oc_page    *page;
	size_t		pos;
	int			row_filter;

	oc_cursor  *gcur;			/* fan-out: the group listing */
	oc_page    *gpage;
	size_t		gpos;
	json_object *group;			/* fan-out: current group (in gpage) */
	const char *group_id;

	bool		started;
	bool		done;
	long		pages;
	long		requests_sent;
} OktaScanState;

/* ---------- admin functions ---------- */

Datum
oktafdw_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(OKTAFDW_VERSION_STR));
}

Datum
okta_reset(PG_FUNCTION_ARGS)
{
	okta_release_clients();
	PG_RETURN_VOID();
}

/* ---------- planning ---------- */

static double
estimate_rows(OktaObject object, OktaPush push)
{
	switch (push)
	{
		case PUSH_ID:
			return 1;
		case PUSH_STATUS:
			return 500;
		case PUSH_PARENT:
			return 100;
		default:
			break;
	}
	switch (object)
	{
		case OKTA_USERS:
			return 5000;
		case OKTA_GROUPS:
			return 200;
		default:
			return 20000;
	}
}

static void
oktaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	OktaPlanInfo *fp = palloc0(sizeof(OktaPlanInfo));
	ForeignTable *ft = GetForeignTable(foreigntableid);
	OktaServerOptions sopts;
	ListCell   *lc;

	okta_get_table_options(foreigntableid, &fp->topts);
	okta_get_server_options(GetForeignServer(ft->serverid), &sopts);
	fp->page_size = sopts.page_size;
	fp->push = fp->topts.pushdown
		? okta_classify_quals(root, baserel, fp->topts.object, &fp->value)
		: PUSH_NONE;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &fp->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &fp->attrs_used);
	}
	baserel->rows = clamp_row_est(estimate_rows(fp->topts.object, fp->push) *
								  clauselist_selectivity(root, baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL) *
								  (fp->push != PUSH_NONE ? 4 : 1));
	baserel->fdw_private = fp;
}

static void
oktaGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	OktaPlanInfo *fp = baserel->fdw_private;
	double		rows = estimate_rows(fp->topts.object, fp->push);
	double		pages = ceil(rows / fp->page_size);
	Cost		startup = 100.0;
	Cost		total;

	if (fp->push == PUSH_NONE && fp->topts.object >= OKTA_GROUP_MEMBERS)
		pages += estimate_rows(OKTA_GROUPS, PUSH_NONE);
	total = startup + pages * 1000.0 + rows * cpu_tuple_cost * 10;
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL,
#if PG_VERSION_NUM >= 170000
									 NIL,
#endif
									 NIL));
}

static ForeignScan *
oktaGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				   ForeignPath *best_path, List *tlist, List *scan_clauses,
				   Plan *outer_plan)
{
	OktaPlanInfo *fp = baserel->fdw_private;
	List	   *attrs = NIL;
	List	   *priv;
	int			i = -1;

	/* every qual is checked locally; the pushed one narrows the request */
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	while ((i = bms_next_member(fp->attrs_used, i)) >= 0)
		attrs = lappend_int(attrs, i);
	priv = list_make4(makeInteger(fp->topts.object), makeInteger(fp->push),
					  attrs, makeInteger(fp->page_size));
	return make_foreignscan(tlist, scan_clauses, baserel->relid,
							fp->value ? list_make1(fp->value) : NIL,
							priv, NIL, NIL, outer_plan);
}

/* ---------- execution ---------- */

static void
scan_release(OktaScanState *st)
{
	oc_page_free(st->page);
	st->page = NULL;
	oc_cursor_close(st->cur);
	st->cur = NULL;
	oc_page_free(st->gpage);
	st->gpage = NULL;
	st->group = NULL;
	oc_cursor_close(st->gcur);
	st->gcur = NULL;
}

/* frees library memory when the query's memory goes, error or not */
static void
scan_release_cb(void *arg)
{
	scan_release((OktaScanState *) arg);
}

static Oid
scan_user(ForeignScanState *node)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;

#if PG_VERSION_NUM >= 160000
	return OidIsValid(fsplan->checkAsUser) ? fsplan->checkAsUser : GetUserId();
#else
	RangeTblEntry *rte = exec_rt_fetch(fsplan->scan.scanrelid, estate);

	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

static void
oktaBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	OktaScanState *st = palloc0(sizeof(OktaScanState));
	Bitmapset  *attrs = NULL;
	ListCell   *lc;
	MemoryContextCallback *cb;

	node->fdw_state = st;
	st->object = (OktaObject) intVal(list_nth(fsplan->fdw_private, PRIV_OBJECT));
	st->push = (OktaPush) intVal(list_nth(fsplan->fdw_private, PRIV_PUSH));
	st->page_size = intVal(list_nth(fsplan->fdw_private, PRIV_PAGE_SIZE));
	foreach(lc, (List *) list_nth(fsplan->fdw_private, PRIV_ATTRS))
		attrs = bms_add_member(attrs, lfirst_int(lc));
	if (fsplan->fdw_exprs)
		st->value_state = ExecInitExpr(linitial(fsplan->fdw_exprs), (PlanState *) node);
	st->rowctx.table = RelationGetRelationName(rel);

	cb = palloc0(sizeof(MemoryContextCallback));
	cb->func = scan_release_cb;
	cb->arg = st;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	st->cols = okta_columns_prepare(rel, st->object, attrs, &st->ncols);
	{
		ForeignTable *ft = GetForeignTable(RelationGetRelid(rel));
		ForeignServer *server = GetForeignServer(ft->serverid);
		UserMapping *user = GetUserMapping(scan_user(node), server->serverid);
		OktaServerOptions sopts;

		okta_get_server_options(server, &sopts);
		st->client = okta_get_client(server, user, &sopts);
	}
}

/* the pushed value as text; NULL when there is none or it is NULL */
static char *
pushed_value(ForeignScanState *node, OktaScanState *st, bool *isnull)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	Datum		d;

	*isnull = false;
	if (st->value_state == NULL)
		return NULL;
	d = ExecEvalExpr(st->value_state, econtext, isnull);
	if (*isnull)
		return NULL;
	return TextDatumGetCString(d);
}

static void
scan_start(ForeignScanState *node, OktaScanState *st)
{
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	bool		isnull;
	char	   *value = pushed_value(node, st, &isnull);

	st->started = true;
	st->next_request = 0;
	if (st->push != PUSH_NONE && isnull)
	{
		st->requests = NIL;		/* col = NULL matches nothing */
		st->done = true;
	}
	else
		st->requests = okta_plan_requests(st->object, st->push, value,
										  st->page_size, &st->fanout);
	st->parent_id = (st->push == PUSH_PARENT) ? value : NULL;
	MemoryContextSwitchTo(old);
}

static oc_cursor *
open_cursor(OktaScanState *st, const OktaRequest *req)
{
	oc_cursor  *cur = oc_cursor_open(st->client, req->target, req->flags);

	if (cur == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return cur;
}

/* next page of a cursor into *page; false at its end */
static bool
next_page(OktaScanState *st, oc_cursor *cur, oc_page **page)
{
	oc_error	err;
	int			r;

	oc_page_free(*page);
	*page = NULL;
	r = oc_cursor_next(cur, page, &err);
	if (r < 0)
		okta_report_error(&err, NULL);
	if (r > 0)
		st->pages++;
	return r > 0;
}

static bool
row_wanted(int row_filter, json_object *obj)
{
	json_object *s;
	bool		deprovisioned;

	if (row_filter == ROWS_ALL)
		return true;
	deprovisioned = json_object_object_get_ex(obj, "status", &s) &&
		json_object_is_type(s, json_type_string) &&
		strcmp(json_object_get_string(s), "DEPROVISIONED") == 0;
	return row_filter == ROWS_DEPROVISIONED ? deprovisioned : !deprovisioned;
}

/*
 * Advance to the next source of rows: the next request, or in a fan-out
 * the next group's members.  False when there is none.
 */
static bool
next_source(OktaScanState *st)
{
	if (!st->fanout)
	{
		OktaRequest *req;

		if (st->next_request >= list_length(st->requests))
			return false;
		req = list_nth(st->requests, st->next_request++);
		st->cur = open_cursor(st, req);
		st->row_filter = req->row_filter;
		return true;
	}
	if (st->gcur == NULL)
	{
		if (st->next_request > 0)
			return false;
		st->gcur = open_cursor(st, linitial(st->requests));
		st->next_request = 1;
	}
	for (;;)
	{
		json_object *idv;

		if (st->gpage && st->gpos < oc_page_count(st->gpage))
		{
			OktaRequest *req;
			MemoryContext old;

			st->group = oc_page_item(st->gpage, st->gpos++);
			if (!json_object_object_get_ex(st->group, "id", &idv) ||
				!json_object_is_type(idv, json_type_string) ||
				json_object_get_string_len(idv) == 0)
				continue;
			st->group_id = json_object_get_string(idv);
			old = MemoryContextSwitchTo(GetMemoryChunkContext(st));
			req = okta_member_request(st->object, st->group_id, st->page_size);
			MemoryContextSwitchTo(old);
			st->cur = open_cursor(st, req);
			st->row_filter = ROWS_ALL;
			pfree(req->target);
			pfree(req->display);
			pfree(req);
			return true;
		}
		st->group = NULL;
		if (!next_page(st, st->gcur, &st->gpage))
		{
			oc_cursor_close(st->gcur);
			st->gcur = NULL;
			st->next_request = 1;
			return false;
		}
		st->gpos = 0;
	}
}

static void
fill_row(ForeignScanState *node, OktaScanState *st, json_object *item,
		 TupleTableSlot *slot)
{
	TupleDesc	tupdesc = slot->tts_tupleDescriptor;
	json_object *main = item;
	const char *parent = st->parent_id;
	MemoryContext cxt = CurrentMemoryContext;

	if (st->fanout)
	{
		if (st->object == OKTA_GROUP_MEMBERS)
			parent = st->group_id;
		else
		{
			/* user_groups: the group's columns, the member's id */
			json_object *idv;

			main = st->group;
			parent = json_object_object_get_ex(item, "id", &idv) &&
				json_object_is_type(idv, json_type_string)
				? json_object_get_string(idv) : NULL;
		}
	}

	PG_TRY();
	{
		okta_columns_fill(st->cols, st->ncols, tupdesc, main, parent,
						  slot->tts_values, slot->tts_isnull, &st->rowctx);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *shown;

		if (st->rowctx.column == NULL)
			PG_RE_THROW();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			PG_RE_THROW();
		FlushErrorState();
		shown = pstrdup(json_object_to_json_string_ext(st->rowctx.value,
													   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		if (strlen(shown) > 200)
			strcpy(shown + 197, "...");
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid value for column \"%s\" of foreign table \"%s\"",
						st->rowctx.column, st->rowctx.table),
				 errdetail("Okta object \"%s\" has %s: %s.",
						   st->rowctx.object_id ? st->rowctx.object_id : "?",
						   shown, edata->message)));
	}
	PG_END_TRY();
	ExecStoreVirtualTuple(slot);
}

static TupleTableSlot *
oktaIterateForeignScan(ForeignScanState *node)
{
	OktaScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (!st->started)
		scan_start(node, st);
	while (!st->done)
	{
		if (st->page && st->pos < oc_page_count(st->page))
		{
			json_object *item = oc_page_item(st->page, st->pos++);

			if (!row_wanted(st->row_filter, item))
				continue;
			fill_row(node, st, item, slot);
			return slot;
		}
		if (st->cur && next_page(st, st->cur, &st->page))
		{
			st->pos = 0;
			continue;
		}
		oc_cursor_close(st->cur);
		st->cur = NULL;
		if (!next_source(st))
			st->done = true;
	}
	return slot;
}

static void
oktaReScanForeignScan(ForeignScanState *node)
{
	OktaScanState *st = node->fdw_state;

	scan_release(st);
	st->started = false;
	st->done = false;
	st->next_request = 0;
	st->fanout = false;
}

static void
oktaEndForeignScan(ForeignScanState *node)
{
	OktaScanState *st = node->fdw_state;

	if (st)
		scan_release(st);
}

/* ---------- EXPLAIN ---------- */

static void
oktaExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	OktaScanState *st = node->fdw_state;
	const char *value = NULL;
	List	   *reqs;
	bool		fanout;
	StringInfoData buf;
	ListCell   *lc;

	if (fsplan->fdw_exprs)
	{
		Node	   *e = linitial(fsplan->fdw_exprs);

		if (IsA(e, Const))
			value = TextDatumGetCString(((Const *) e)->constvalue);
		else if (IsA(e, Param))
			value = psprintf("$%d", ((Param *) e)->paramid);
		else
			value = "?";
	}
	reqs = okta_plan_requests(st->object, st->push, value, st->page_size, &fanout);
	initStringInfo(&buf);
	foreach(lc, reqs)
	{
		OktaRequest *r = lfirst(lc);

		appendStringInfo(&buf, "%sGET %s", buf.len ? "; " : "", r->display);
	}
	if (reqs == NIL)
		appendStringInfoString(&buf, "none");
	if (fanout)
		appendStringInfo(&buf, ", then GET /api/v1/groups/{id}/users?limit=%d for each group",
						 st->page_size);
	ExplainPropertyText("Okta Request", buf.data, es);
	if (es->analyze && es->verbose)
	{
		ExplainPropertyInteger("Okta Pages", NULL, st->pages, es);
	}
}

/* ---------- IMPORT FOREIGN SCHEMA ---------- */

static List *
oktaImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	return okta_import_schema(stmt, serverOid);
}

Datum
oktafdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *r = makeNode(FdwRoutine);

	r->GetForeignRelSize = oktaGetForeignRelSize;
	r->GetForeignPaths = oktaGetForeignPaths;
	r->GetForeignPlan = oktaGetForeignPlan;
	r->BeginForeignScan = oktaBeginForeignScan;
	r->IterateForeignScan = oktaIterateForeignScan;
	r->ReScanForeignScan = oktaReScanForeignScan;
	r->EndForeignScan = oktaEndForeignScan;
	r->ExplainForeignScan = oktaExplainForeignScan;
	r->ImportForeignSchema = oktaImportForeignSchema;
	PG_RETURN_POINTER(r);
}
