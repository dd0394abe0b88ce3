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
#if PG_VERSION_NUM >= 180000
/* 18 moved ExplainState and ExplainProperty*() out of explain.h */
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

extern PGDLLEXPORT void _PG_init(void);

/* oktafdw.rate_wait_report: how a scan that waited on a rate limit says so */
typedef enum RateWaitReport
{
	RATE_WAIT_OFF,
	RATE_WAIT_NOTICE,
	RATE_WAIT_LOG
} RateWaitReport;

static const struct config_enum_entry rate_wait_report_options[] = {
	{"notice", RATE_WAIT_NOTICE, false},
	{"log", RATE_WAIT_LOG, false},
	{"off", RATE_WAIT_OFF, false},
	{NULL, 0, false}
};

static int	rate_wait_report = RATE_WAIT_NOTICE;
static int	rate_wait_report_after = 5000;	/* ms */

/*
 * Loaded: the settings; when preloaded (shared_preload_libraries), ask for
 * the shared memory of the rate-limit budget (budget.c).
 */
void
_PG_init(void)
{
	DefineCustomEnumVariable("oktafdw.rate_wait_report",
							 "How a scan that waited on Okta's rate limit says so.",
							 "notice: a NOTICE to the client; log: a line in the server log; off: nothing.",
							 &rate_wait_report, RATE_WAIT_NOTICE, rate_wait_report_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("oktafdw.rate_wait_report_after",
							"How long a scan waits on Okta's rate limit before it says so.",
							NULL,
							&rate_wait_report_after, 5000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	MarkGUCPrefixReserved("oktafdw");
	okta_budget_init();
}

PG_FUNCTION_INFO_V1(oktafdw_handler);

/* what planning knows about a foreign rel */
typedef struct OktaPlanInfo
{
	OktaTableOptions topts;
	Bitmapset  *attrs_used;
	int			page_size;
	OktaPushPlan *pp;			/* from the rel's own quals */
	char	   *fields;			/* projection of user listings, or NULL */
	int			omit;			/* what user listings may omit */
	int			order;			/* the query's order, which the scan can give:
								 * 1 ascending, -1 descending, 0 none */
	Oid			serverid;
} OktaPlanInfo;

/* fdw_private of the plan: a List indexed by these */
enum OktaPrivateIndex
{
	PRIV_OBJECT,
	PRIV_LOOKUP,
	PRIV_LOOKUP_EXPR,
	PRIV_LOOKUP_ARRAY,
	PRIV_SEARCH,
	PRIV_USE_FILTER,
	PRIV_ATTRS,
	PRIV_PAGE_SIZE,
	PRIV_LIMIT,
	PRIV_OMIT,
	PRIV_FIELDS,				/* String: `fields` of user listings, "" if none */
	PRIV_BOUNDS,				/* since/until: Lists (op, expr index) */
	PRIV_SORT					/* sortOrder: 1, -1, or 0 */
};

/* one listing of a scan */
typedef struct ScanSource
{
	oc_cursor  *cur;
	const char *parent_id;
	oc_page    *gpage;			/* fan-out: a reference to the group's page */
	uint32		gnode;			/* and the group's node in it */
	int			row_filter;
} ScanSource;

/* fan-out: a group waiting for its member listing */
typedef struct PendingGroup
{
	oc_page    *gpage;			/* a reference to its page */
	uint32		gnode;
	char	   *gid;
	int64		count;			/* _embedded.stats.usersCount, -1 if unknown */
} PendingGroup;

/* groups taken in ahead of their member listings, at most (about) */
#define PENDING_GROUPS_MAX 2000


typedef struct OktaScanState
{
	OktaObject	object;
	OktaPushPlan pp;
	int			page_size;
	int			limit_hint;		/* rows a LIMIT will take, 0 if unknown */
	OktaConn   *conn;			/* our reference to the client */
	oc_client  *client;
	List	   *value_states;	/* ExprStates of pp.exprs */
	OktaRowMap *rowmap;
	OktaRowContext rowctx;

	/* the requests in order, or the group listing of a fan-out */
	List	   *requests;
	int			next_request;
	bool		fanout;
	int			max_concurrency;	/* listings in flight at once */
	MemoryContext cxt;			/* the scan's long-lived memory */

	/*
	 * Listings under way (ScanSource), up to max_concurrency: rows come from
	 * the first; the others' requests are already in flight.
	 */
	List	   *sources;
	oc_page    *page;			/* current page of the first source */
	size_t		pos;
	int			row_filter;
	const char *parent_id;		/* whose members the page lists */

	oc_cursor  *gcur;			/* fan-out: the listing of the parents */
	int			gfilter;		/* and its ROWS_* */
	oc_page    *gpage;
	PendingGroup *pending;		/* fan-out: groups whose members are to be
								 * listed, in listing order */
	int			npending;
	int			maxpending;
	int			max_fanout;		/* server option */
	bool		parents_first;	/* fan-out of unknown size: every parent is
								 * listed before the first member request */
	int64		parents;		/* fan-out: parents taken in */
	int64		parent_pages;	/* their pages */
	int64		members_started;	/* member listings sent */
	int64		run_rows;		/* rows since the scan (re)started */
	bool		parents_counted;	/* the parents' listings are over */

	bool		started;
	bool		done;
	OktaValue  *vals;			/* the values the requests were built with */
	TimestampTz now;			/* and the scan's start */
	bool		fields_dropped; /* a listing was sent without its `fields`
								 * (the org refused the projection) */
	/* what the scan did, for EXPLAIN ANALYZE and okta_stats() */
	Oid			serverid;
	OktaScanCounters counters;
	oc_stats	client_before;	/* the client's counts when the scan began */
	bool		recorded;
	bool		wait_reported;	/* its wait on a rate limit was reported */
} OktaScanState;

/* ---------- planning ---------- */

#define REQUEST_COST 100.0		/* one Okta round trip, in planner cost units */

/* number of values of a lookup: the length of a constant array, else a guess */
static double
lookup_values(const OktaPushPlan *pp)
{
	Node	   *e;

	if (!pp->lookup_array)
		return 1;
	e = list_nth(pp->exprs, pp->lookup_expr);
	if (IsA(e, Const) && !((Const *) e)->constisnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(((Const *) e)->constvalue);

		return Max(1, ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)));
	}
	return 10;
}

/* the planner's guess of a kind's number of objects (its table's rows) */
static double
okta_parent_guess(const OktaKindDef *kind)
{
	int			i;

	for (i = 0; i < okta_table_count(); i++)
	{
		const OktaTableDef *t = okta_table((OktaObject) i);

		if (t->kind == kind && t->parent_kind == NULL)
			return t->base_rows;
	}
	return okta_table(OKTA_USER_ROLES)->base_rows;	/* role holders */
}

/*
 * What this backend's last unnarrowed scan of a table found (a whole
 * listing of its kind, or a member table's fan-out): counted per server
 * (admin.c), remembered by remember_listing_count
 */
static const void *
count_key(const OktaTableDef *t)
{
	return t->parent_kind ? (const void *) t : (const void *) t->kind;
}

/*
 * an unnarrowed scan's rows: the org's, when this backend has counted them;
 * else what the last ANALYZE read (analyzed >= 0: pg_class.reltuples); else
 * the table's guess
 */
static double
table_rows(Oid serverid, const OktaTableDef *t, double analyzed)
{
	int64		n = okta_known_count(serverid, count_key(t));

	if (n >= 0)
		return (double) n;
	return analyzed >= 0 ? analyzed : t->base_rows;
}

/*
 * A fan-out's requests: the parents' listing(s) and one member listing per
 * parent (a parent with more members than a page takes more: "at least").
 * *known: the parents' number is this backend's last count, not a guess.
 */
static double
fanout_requests(Oid serverid, OktaObject object, int page_size, double *parents, bool *known)
{
	const OktaKindDef *pk = okta_fanout_kind(object);
	int64		n = okta_known_count(serverid, pk);
	int			ps = pk->page_size ? pk->page_size : page_size;

	*known = n >= 0;
	*parents = n >= 0 ? (double) n : okta_parent_guess(pk);
	return Max(1, ceil(*parents / ps)) + (pk->hidden ? 1 : 0) + *parents;
}

/* a fan-out over more than max_fanout requests: refused */
pg_noreturn static void
refuse_fanout(OktaScanState *st, double requests, double parents);

/* rows and cost of a scan with this push plan */
static void
estimate_scan(OktaPlanInfo *fp, const OktaPushPlan *pp, double rows,
			  double *requests)
{
	const OktaTableDef *t = okta_table(fp->topts.object);
	double		pages;

	if (pp && pp->lookup != LOOKUP_NONE)
	{
		double		n = lookup_values(pp);

		*requests = n * Max(1, ceil(t->rows_per_lookup / fp->page_size));
		return;
	}
	pages = Max(1, ceil(rows / fp->page_size));
	if (t->parent_kind)
	{
		/* the parents' listing, then one listing per parent at least */
		double		parents;
		bool		known;

		*requests = fanout_requests(fp->serverid, fp->topts.object, fp->page_size,
									&parents, &known) + pages;
	}
	else
		/* a second listing for what the plain one leaves out */
		*requests = pages + ((t->kind->hidden && !(pp && pp->search)) ? 1 : 0);
}

static void
oktaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	OktaPlanInfo *fp = palloc0(sizeof(OktaPlanInfo));
	ForeignTable *ft = GetForeignTable(foreigntableid);
	OktaServerOptions sopts;
	ListCell   *lc;
	double		rows;

	okta_get_table_options(foreigntableid, &fp->topts);
	okta_get_server_options(GetForeignServer(ft->serverid), &sopts);
	fp->page_size = sopts.page_size;
	fp->serverid = ft->serverid;
	if (fp->topts.pushdown)
		fp->pp = okta_plan_pushdown(root, baserel, foreigntableid, fp->topts.object,
									baserel->baserestrictinfo);

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &fp->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &fp->attrs_used);
	}
	/* ask user listings for only the fields those columns read */
	okta_listing_projection(foreigntableid, fp->topts.object, fp->attrs_used,
							&fp->fields, &fp->omit);
	if (!sopts.fields_projection)
		fp->fields = NULL;
	if (fp->pp && fp->pp->lookup != LOOKUP_NONE)
		rows = lookup_values(fp->pp) * okta_table(fp->topts.object)->rows_per_lookup;
	else
		rows = table_rows(fp->serverid, okta_table(fp->topts.object), baserel->tuples) *
			clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(rows);
	baserel->fdw_private = fp;
}

/* generate_implied_equalities_for_column callback: our lookup column? */
static bool
ec_matches_lookup(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
				  EquivalenceMember *em, void *arg)
{
	Expr	   *e = em->em_expr;

	while (IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return IsA(e, Var) && ((Var *) e)->varno == rel->relid &&
		((Var *) e)->varattno == *(AttrNumber *) arg;
}

/* join clauses "lookup column = other rel's expression" */
static List *
lookup_join_clauses(PlannerInfo *root, RelOptInfo *baserel, Oid relid, OktaObject object)
{
	List	   *clauses = NIL;
	ListCell   *lc;
	Relation	rel = table_open(relid, NoLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	AttrNumber	att;

	for (att = 1; att <= tupdesc->natts; att++)
	{
		if (TupleDescAttr(tupdesc, att - 1)->attisdropped ||
			!okta_is_lookup_column(relid, object, att))
			continue;
		clauses = list_concat(clauses,
							  generate_implied_equalities_for_column(root, baserel,
																	 ec_matches_lookup,
																	 &att,
																	 baserel->lateral_referencers));
	}
	table_close(rel, NoLock);
	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (IsA(ri->clause, OpExpr) && ((OpExpr *) ri->clause)->opno == TextEqualOperator)
			clauses = lappend(clauses, ri);
	}
	return clauses;
}

/*
 * The query's order (root->query_pathkeys), when the scan can return its
 * rows in it: one pathkey on a field whose listing Okta sorts (the System
 * Log's published, sortOrder), with timestamptz's own ordering.  1 for
 * ascending, -1 for descending, 0 otherwise.  The field is never null, so
 * either NULLS placement holds.
 */
static int
query_order(PlannerInfo *root, RelOptInfo *baserel, Oid relid, OktaObject object)
{
	const OktaFieldDef *bf = okta_kind_bounds(okta_table(object)->kind);
	PathKey    *pk;
	ListCell   *lc;

	if (bf == NULL || list_length(root->query_pathkeys) != 1)
		return 0;
	pk = linitial(root->query_pathkeys);
	if (pk->pk_eclass->ec_has_volatile ||
		pk->pk_opfamily != get_opclass_family(GetDefaultOpClass(TIMESTAMPTZOID, BTREE_AM_OID)))
		return 0;
	foreach(lc, pk->pk_eclass->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		Expr	   *e = em->em_expr;
		OktaColumnInfo info;

		while (IsA(e, RelabelType))
			e = ((RelabelType *) e)->arg;
		if (em->em_is_child || !IsA(e, Var) || ((Var *) e)->varno != baserel->relid ||
			((Var *) e)->varlevelsup != 0 || ((Var *) e)->varattno <= 0)
			continue;
		okta_column_info(relid, object, ((Var *) e)->varattno, &info);
		if (info.def != bf || info.typid != TIMESTAMPTZOID)
			continue;
#if PG_VERSION_NUM >= 180000
		return pk->pk_cmptype == COMPARE_LT ? 1 : pk->pk_cmptype == COMPARE_GT ? -1 : 0;
#else
		return pk->pk_strategy == BTLessStrategyNumber ? 1 :
			pk->pk_strategy == BTGreaterStrategyNumber ? -1 : 0;
#endif
	}
	return 0;
}

static void
add_scan_path(PlannerInfo *root, RelOptInfo *baserel, double rows, double requests,
			  List *pathkeys, Relids required_outer)
{
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, rows,
#if PG_VERSION_NUM >= 180000
									 0, /* disabled_nodes (18) */
#endif
									 10.0, 10.0 + requests * REQUEST_COST +
									 rows * cpu_tuple_cost * 10,
									 pathkeys, required_outer, NULL,
#if PG_VERSION_NUM >= 170000
									 NIL, /* fdw_restrictinfo (17) */
#endif
									 NIL));
}

static void
oktaGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	OktaPlanInfo *fp = baserel->fdw_private;
	double		requests;
	ListCell   *lc;

	estimate_scan(fp, fp->pp, baserel->rows, &requests);
	add_scan_path(root, baserel, baserel->rows, requests, NIL, NULL);
	/* rows in the query's order, when Okta can sort them (sortOrder) */
	if (fp->topts.pushdown &&
		(fp->order = query_order(root, baserel, foreigntableid, fp->topts.object)) != 0)
		add_scan_path(root, baserel, baserel->rows, requests, root->query_pathkeys, NULL);

	/*
	 * Parameterized paths: with "lookup column = outer value", each outer
	 * row costs one request (a user or group by id, one group's members).
	 */
	if (!fp->topts.pushdown)
		return;
	foreach(lc, lookup_join_clauses(root, baserel, foreigntableid, fp->topts.object))
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Relids		outer = bms_difference(ri->clause_relids, baserel->relids);
		ParamPathInfo *ppi;
		OktaPushPlan *pp;
		double		rows;

		if (bms_is_empty(outer) || bms_overlap(outer, baserel->lateral_referencers))
			continue;
		pp = okta_plan_pushdown(root, baserel, foreigntableid, fp->topts.object,
								list_make1(ri));
		if (pp->lookup == LOOKUP_NONE || pp->lookup_array)
			continue;
		ppi = get_baserel_parampathinfo(root, baserel, outer);
		rows = clamp_row_est(okta_table(fp->topts.object)->rows_per_lookup *
							 clauselist_selectivity(root, baserel->baserestrictinfo,
													0, JOIN_INNER, NULL));
		estimate_scan(fp, pp, rows, &requests);
		add_scan_path(root, baserel, rows, requests, NIL, ppi->ppi_req_outer);
	}
}

/*
 * Rows a LIMIT will take from this scan, when the scan's rows go straight
 * to it (one relation, nothing that needs every row first); 0 otherwise.
 */
static int
limit_hint(PlannerInfo *root, RelOptInfo *baserel, bool sorted)
{
	Query	   *parse = root->parse;

	if (root->limit_tuples <= 0 || root->limit_tuples > 1000000)
		return 0;
	if (bms_membership(root->all_baserels) != BMS_SINGLETON)
		return 0;
	if (parse->hasAggs || parse->groupClause || parse->groupingSets ||
		parse->distinctClause || (parse->sortClause && !sorted) || parse->hasWindowFuncs ||
		parse->hasTargetSRFs || root->hasHavingQual || parse->setOperations)
		return 0;
	return (int) root->limit_tuples;
}

static ForeignScan *
oktaGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				   ForeignPath *best_path, List *tlist, List *scan_clauses,
				   Plan *outer_plan)
{
	OktaPlanInfo *fp = baserel->fdw_private;
	OktaPushPlan *pp;
	List	   *attrs = NIL;
	List	   *priv;
	int			i = -1;

	/* the quals of this path (the join clause too, when parameterized) */
	if (fp->topts.pushdown)
		pp = okta_plan_pushdown(root, baserel, foreigntableid, fp->topts.object,
								scan_clauses);
	else
		pp = palloc0(sizeof(OktaPushPlan));

	/* every qual is checked locally as well */
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	while ((i = bms_next_member(fp->attrs_used, i)) >= 0)
		attrs = lappend_int(attrs, i);
	priv = list_make5(makeInteger(fp->topts.object), makeInteger(pp->lookup),
					  makeInteger(pp->lookup_expr), makeInteger(pp->lookup_array ? 1 : 0),
					  pp->search);
	priv = lappend(priv, makeInteger(pp->use_filter ? 1 : 0));
	priv = lappend(priv, attrs);
	priv = lappend(priv, makeInteger(fp->page_size));
	/* sorted by the scan (sortOrder): the query's order is the scan's */
	pp->sort = best_path->path.pathkeys != NIL ? fp->order : 0;
	priv = lappend(priv, makeInteger(limit_hint(root, baserel, pp->sort != 0)));
	priv = lappend(priv, makeInteger(fp->omit));
	priv = lappend(priv, makeString(fp->fields ? fp->fields : ""));
	priv = lappend(priv, pp->bounds);
	priv = lappend(priv, makeInteger(pp->sort));
	return make_foreignscan(tlist, scan_clauses, baserel->relid, pp->exprs,
							priv, NIL, NIL, outer_plan);
}

/* ---------- execution ---------- */

/* close a cursor, keeping its counts for EXPLAIN ANALYZE */
static void
close_cursor(OktaScanState *st, oc_cursor **cur)
{
	long		requests,
				retries;

	if (*cur == NULL)
		return;
	oc_cursor_stats(*cur, &requests, &retries);
	if (oc_cursor_projection_dropped(*cur))
		st->fields_dropped = true;
	st->counters.requests += requests;
	st->counters.retries += retries;
	oc_cursor_close(*cur);
	*cur = NULL;
}

static void
close_source(OktaScanState *st, ScanSource *src)
{
	close_cursor(st, &src->cur);
	oc_page_free(src->gpage);
	src->gpage = NULL;
}

static void
scan_release(OktaScanState *st)
{
	ListCell   *lc;

	oc_page_free(st->page);
	st->page = NULL;
	foreach(lc, st->sources)
		close_source(st, lfirst(lc));
	st->sources = NIL;			/* the cells go with the query's memory */
	oc_page_free(st->gpage);
	st->gpage = NULL;
	while (st->npending > 0)
		oc_page_free(st->pending[--st->npending].gpage);
	close_cursor(st, &st->gcur);
}

/* add the scan's counts to okta_stats(), once */
static void
scan_record(OktaScanState *st)
{
	const oc_stats *now;

	if (st->recorded || st->client == NULL)
		return;
	st->recorded = true;
	now = oc_client_stats(st->client);
	st->counters.token_requests = (int64) (now->token_requests - st->client_before.token_requests);
	st->counters.throttled_ms = (int64) (now->throttled_ms - st->client_before.throttled_ms);
	okta_stats_record(st->serverid, st->object, &st->counters);
}

/* frees library memory when the query's memory goes, error or not */
static void
scan_release_cb(void *arg)
{
	OktaScanState *st = (OktaScanState *) arg;

	scan_release(st);
	scan_record(st);
	okta_release_conn(st->conn);
	st->conn = NULL;
	st->client = NULL;
}

static Oid
scan_user(ForeignScanState *node)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;

#if PG_VERSION_NUM >= 160000
	(void) estate;
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
	List	   *priv = fsplan->fdw_private;
	Relation	rel = node->ss.ss_currentRelation;
	OktaScanState *st = palloc0(sizeof(OktaScanState));
	Bitmapset  *attrs = NULL;
	ListCell   *lc;
	MemoryContextCallback *cb;

	node->fdw_state = st;
	st->object = (OktaObject) intVal(list_nth(priv, PRIV_OBJECT));
	st->pp.lookup = intVal(list_nth(priv, PRIV_LOOKUP));
	st->pp.lookup_expr = intVal(list_nth(priv, PRIV_LOOKUP_EXPR));
	st->pp.lookup_array = intVal(list_nth(priv, PRIV_LOOKUP_ARRAY)) != 0;
	st->pp.search = (List *) list_nth(priv, PRIV_SEARCH);
	st->pp.use_filter = intVal(list_nth(priv, PRIV_USE_FILTER)) != 0;
	st->pp.exprs = fsplan->fdw_exprs;
	st->page_size = intVal(list_nth(priv, PRIV_PAGE_SIZE));
	st->limit_hint = intVal(list_nth(priv, PRIV_LIMIT));
	st->pp.omit = intVal(list_nth(priv, PRIV_OMIT));
	st->pp.bounds = (List *) list_nth(priv, PRIV_BOUNDS);
	st->pp.sort = intVal(list_nth(priv, PRIV_SORT));
	st->pp.fields = strVal(list_nth(priv, PRIV_FIELDS));
	if (st->pp.fields[0] == '\0')
		st->pp.fields = NULL;
	foreach(lc, (List *) list_nth(priv, PRIV_ATTRS))
		attrs = bms_add_member(attrs, lfirst_int(lc));
	st->value_states = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
	st->rowctx.table = RelationGetRelationName(rel);
	st->cxt = CurrentMemoryContext;
	st->max_concurrency = 1;

	cb = palloc0(sizeof(MemoryContextCallback));
	cb->func = scan_release_cb;
	cb->arg = st;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	st->serverid = GetForeignTable(RelationGetRelid(rel))->serverid;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	st->rowmap = okta_rowmap_prepare(rel, st->object, attrs);
	{
		ForeignTable *ft = GetForeignTable(RelationGetRelid(rel));
		ForeignServer *server = GetForeignServer(ft->serverid);
		UserMapping *user = GetUserMapping(scan_user(node), server->serverid);
		OktaServerOptions sopts;

		okta_get_server_options(server, &sopts);
		st->conn = okta_acquire_conn(server, user, &sopts);
		st->client = okta_conn_client(st->conn);
		st->serverid = server->serverid;
		st->client_before = *oc_client_stats(st->client);
		/* with a LIMIT, nothing is asked for before it is needed */
		st->max_concurrency = st->limit_hint > 0 ? 1 : sopts.max_concurrency;
		st->max_fanout = sopts.max_fanout;
	}
}

/* Evaluate the value expressions and plan this scan's requests. */
static void
scan_start(ForeignScanState *node, OktaScanState *st)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	int			n = list_length(st->value_states);
	OktaValue  *vals = palloc0(sizeof(OktaValue) * Max(n, 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, st->value_states)
	{
		vals[i].value = ExecEvalExpr((ExprState *) lfirst(lc), econtext, &vals[i].isnull);
		i++;
	}
	st->started = true;
	st->vals = vals;
	st->next_request = 0;
	st->now = GetCurrentTimestamp();
	st->requests = okta_plan_requests(st->object, &st->pp, vals, st->page_size,
									  st->limit_hint, &st->now, &st->fanout);
	if (st->requests == NIL)
		st->done = true;		/* e.g. id = '' or id IN (NULL): nothing to ask */
	st->run_rows = 0;
	st->parents = st->parent_pages = st->members_started = 0;
	st->parents_first = false;
	st->parents_counted = false;
	MemoryContextSwitchTo(old);
	if (st->fanout)
	{
		/*
		 * Its size known from this backend's last listing of the parents:
		 * refused now if too large; else the parents are listed first
		 */
		double		parents;
		bool		known;
		double		requests = fanout_requests(st->serverid, st->object, st->page_size,
											   &parents, &known);

		if (known && requests > st->max_fanout)
			refuse_fanout(st, requests, parents);
		st->parents_first = !known;
	}
}

static oc_cursor *
open_cursor(OktaScanState *st, const char *target, int flags)
{
	oc_cursor  *cur;

	if (target == NULL)			/* built with a value unknown: EXPLAIN's */
		elog(ERROR, "okta request has no target");
	cur = oc_cursor_open(st->client, target, flags);
	if (cur == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return cur;
}

/* a failure of the scan's requests: counted (unless a cancel), reported */
pg_noreturn static void
scan_error(OktaScanState *st, oc_error *err);

static void
scan_error(OktaScanState *st, oc_error *err)
{
	const char *scope = okta_table(st->object)->kind->scope;

	if (err->kind != OC_ERR_CANCELLED)
		st->counters.errors++;
	/* a table that needs a scope of its own: name it */
	if (scope && (strcmp(err->code, "E0000006") == 0 ||
				  strcmp(err->code, "insufficient_scope") == 0))
		okta_report_error_hint(err, NULL,
							   psprintf("Grant the %s scope to the app in the Okta Admin Console and add it to the server's scopes option.",
										scope));
	okta_report_error(err, NULL);
}

/* the time of day of t (ms since the epoch) in the session's time zone */
static char *
time_of_day(int64_t t)
{
	pg_time_t	secs = (pg_time_t) (t / 1000);
	struct pg_tm *tm = pg_localtime(&secs, session_timezone);
	char		buf[64];

	if (tm == NULL || pg_strftime(buf, sizeof(buf), "%H:%M:%S %Z", tm) == 0)
		return pstrdup("?");
	return pstrdup(buf);
}

/*
 * Once per scan, when it has waited on Okta's rate limit longer than
 * oktafdw.rate_wait_report_after: a NOTICE (or a LOG line) naming the
 * bucket and the wait.  Called once the client has returned.
 */
static void
report_rate_wait(OktaScanState *st)
{
	int64		waited;
	oc_wait_info w;

	if (st->wait_reported || rate_wait_report == RATE_WAIT_OFF || st->client == NULL)
		return;
	waited = (int64) (oc_client_stats(st->client)->throttled_ms -
					  st->client_before.throttled_ms);
	oc_client_last_rate_wait(st->client, &w);
	if (waited <= 0 || waited < rate_wait_report_after || w.kind != OC_WAITING_RATE)
		return;
	st->wait_reported = true;
	ereport(rate_wait_report == RATE_WAIT_LOG ? LOG : NOTICE,
			(errmsg("scan of \"%s\" waited for Okta's rate limit (bucket %s)",
					st->rowctx.table, oc_bucket_name(w.bucket)),
			 w.limit >= 0 && w.left >= 0
			 ? errdetail("It waited %.1f s in all; the bucket had %ld of %ld requests left until %s.",
						 waited / 1000.0, w.left, w.limit, time_of_day(w.until_ms))
			 : errdetail("It waited %.1f s in all, the last time until %s.",
						 waited / 1000.0, time_of_day(w.until_ms)),
			 errhint("Okta's rate limits are per org and per minute: narrow the query with quals Okta can take, or run it when the org is quieter.")));
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
		scan_error(st, &err);
	report_rate_wait(st);
	if (r > 0)
	{
		st->counters.pages++;
		st->counters.bytes += (int64) oc_page_bytes(*page);
	}
	return r > 0;
}

static bool
row_wanted(OktaScanState *st)
{
	if (st->row_filter == ROWS_ALL)
		return true;
	return (st->row_filter == ROWS_DEPROVISIONED) == okta_row_deprovisioned(st->rowmap);
}

/* Open a listing and send its first request: it runs while others are read. */
static void
add_source(OktaScanState *st, const char *target, int flags, const char *parent_id,
		   oc_page *gpage, uint32 gnode, int row_filter)
{
	MemoryContext old = MemoryContextSwitchTo(st->cxt);
	ScanSource *src = palloc0(sizeof(ScanSource));
	oc_error	err;

	src->cur = open_cursor(st, target, flags);
	src->parent_id = parent_id;
	src->gpage = oc_page_ref(gpage);
	src->gnode = gnode;
	src->row_filter = row_filter;
	st->sources = lappend(st->sources, src);
	MemoryContextSwitchTo(old);
	if (oc_cursor_start(src->cur, &err) < 0)
		scan_error(st, &err);
}

/*
 * user_groups by fan-out: the rows of a page of a group's members are that
 * group's columns and each member's id
 */
static inline bool
group_rows(const OktaScanState *st)
{
	return st->fanout && okta_table(st->object)->fanout_parent_rows;
}

/* fan-out: queue the groups of the page just taken in */
static void
add_pending_groups(OktaScanState *st)
{
	const char *text = oc_page_text(st->gpage);
	const oc_jnode *nodes = oc_page_nodes(st->gpage);
	size_t		n = oc_page_count(st->gpage);
	size_t		i;

	if (st->npending + (int) n > st->maxpending)
	{
		int			newmax = Max(st->maxpending * 2, st->npending + (int) n + 16);

		st->pending = st->pending
			? repalloc(st->pending, sizeof(PendingGroup) * newmax)
			: MemoryContextAlloc(st->cxt, sizeof(PendingGroup) * newmax);
		st->maxpending = newmax;
	}
	for (i = 0; i < n; i++)
	{
		uint32		gnode = oc_page_item_node(st->gpage, i);
		PendingGroup *pg = &st->pending[st->npending];
		MemoryContext old = MemoryContextSwitchTo(st->cxt);
		uint32		v;

		pg->gid = okta_json_cstring(text, nodes, oc_json_get(text, nodes, gnode, "id", 2));
		MemoryContextSwitchTo(old);
		if (pg->gid == NULL || pg->gid[0] == '\0')
			continue;			/* no group has such an id */
		if (st->gfilter != ROWS_ALL)
		{
			/* users: each of the two listings keeps its own side */
			char	   *status = okta_json_cstring(text, nodes,
												   oc_json_get(text, nodes, gnode, "status", 6));
			bool		deprov = status && strcmp(status, "DEPROVISIONED") == 0;

			if (deprov != (st->gfilter == ROWS_DEPROVISIONED))
				continue;
		}
		st->parents++;
		pg->count = -1;
		v = oc_json_get(text, nodes, gnode, "_embedded", 9);
		if (v)
			v = oc_json_get(text, nodes, v, "stats", 5);
		if (v)
			v = oc_json_get(text, nodes, v, "usersCount", 10);
		if (v && nodes[v].type == OC_JNUMBER)
			pg->count = strtoll(text + nodes[v].off, NULL, 10);
		/* user_groups' rows are the group's: its page is kept */
		pg->gpage = group_rows(st) ? oc_page_ref(st->gpage) : NULL;
		pg->gnode = gnode;
		st->npending++;
	}
}

/*
 * Keep up to max_concurrency listings under way: the scan's next requests,
 * or in a fan-out the next groups' members.  False when nothing is left.
 */
static bool
fill_sources(OktaScanState *st)
{
	if (!st->fanout)
	{
		while (list_length(st->sources) < st->max_concurrency &&
			   st->next_request < list_length(st->requests))
		{
			OktaRequest *req = list_nth(st->requests, st->next_request++);

			add_source(st, req->target, req->flags, req->parent_id, NULL, 0, req->row_filter);
		}
		return st->sources != NIL;
	}
	for (;;)
	{
		/* the parents' listings, one after the other */
		if (st->gcur == NULL && st->next_request < list_length(st->requests))
		{
			OktaRequest *req = list_nth(st->requests, st->next_request++);

			st->gcur = open_cursor(st, req->target, req->flags);
			st->gfilter = req->row_filter;
		}

		/*
		 * Take in the pages of parents that have arrived (the listing
		 * prefetches, so they come while members are read); wait for one
		 * only when there is nothing else to do.  A fan-out of unknown size
		 * lists every parent before its first member request.
		 */
		while (st->gcur != NULL &&
			   (st->parents_first || st->npending < PENDING_GROUPS_MAX))
		{
			if (!st->parents_first && (st->npending > 0 || st->sources != NIL))
			{
				oc_error	err;
				int			r = oc_cursor_poll(st->gcur, &err);

				if (r < 0)
					scan_error(st, &err);
				if (r == 0)
					break;
			}
			if (!next_page(st, st->gcur, &st->gpage))
			{
				close_cursor(st, &st->gcur);
				break;
			}
			st->parent_pages++;
			add_pending_groups(st);
			if (st->parents_first && st->parent_pages + st->parents > st->max_fanout)
			{
				/* at least this many: the next scan is refused before its first request */
				okta_remember_count(st->serverid, okta_fanout_kind(st->object), st->parents);
				refuse_fanout(st, (double) (st->parent_pages + st->parents),
							  (double) st->parents);
			}
		}
		if (st->gcur == NULL && st->next_request < list_length(st->requests))
			continue;			/* the next listing of parents */
		if (st->gcur != NULL && st->parents_first)
			continue;
		if (st->gcur == NULL && !st->parents_counted)
		{
			/* every parent is known now */
			st->parents_first = false;
			st->parents_counted = true;
			okta_remember_count(st->serverid, okta_fanout_kind(st->object), st->parents);
		}

		/* the largest group first: its pages are the longest chain */
		while (list_length(st->sources) < st->max_concurrency && st->npending > 0)
		{
			int			best = 0;
			int			i;
			PendingGroup pg;
			OktaRequest *req;

			for (i = 1; i < st->npending; i++)
				if (st->pending[i].count > st->pending[best].count)
					best = i;
			/* never more requests than max_fanout, even when the org grew */
			if (st->parent_pages + st->members_started + 1 > st->max_fanout)
				refuse_fanout(st, (double) (st->parent_pages + st->parents),
							  (double) st->parents);
			pg = st->pending[best];
			memmove(&st->pending[best], &st->pending[best + 1],
					sizeof(PendingGroup) * (st->npending - best - 1));
			st->npending--;
			st->members_started++;
			req = okta_fanout_request(st->object, pg.gid, st->page_size, st->pp.fields,
									  st->pp.omit);
			add_source(st, req->target, req->flags, pg.gid, pg.gpage, pg.gnode, ROWS_ALL);
			oc_page_free(pg.gpage);	/* the source holds its own reference */
			pfree(req->target);
			pfree(req->display);
			pfree(req->parent_id);
			pfree(req);
		}
		if (st->sources != NIL)
			return true;
		if (st->gcur == NULL && st->npending == 0 &&
			st->next_request >= list_length(st->requests))
			return false;
	}
}

static void
refuse_fanout(OktaScanState *st, double requests, double parents)
{
	const OktaTableDef *t = okta_table(st->object);
	const OktaKindDef *pk = okta_fanout_kind(st->object);

	ereport(ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("scan of foreign table \"%s\" would send more than %d requests to Okta",
					st->rowctx.table, st->max_fanout),
			 errdetail("Without a qual on %s it lists the %ss (%.0f), then each one's %s: at least %.0f requests.",
					   t->parent_column, pk->name, parents, t->name, requests),
			 errhint("Add a qual on %s (=, IN or a join), or raise the server's max_fanout option.",
					 t->parent_column)));
}

/*
 * The listing to read next: one whose page has arrived.  Polling a
 * listing also takes in what arrived for it and sends its next request, so
 * listings not being read keep going; when none has a page, wait for any
 * transfer to move (interruptibly, through the client's wait hook).
 */
static ScanSource *
pick_source(OktaScanState *st)
{
	oc_error	err;

	if (list_length(st->sources) == 1)
		return linitial(st->sources);
	for (;;)
	{
		ListCell   *lc;
		ScanSource *found = NULL;

		foreach(lc, st->sources)
		{
			ScanSource *src = lfirst(lc);
			int			r = oc_cursor_poll(src->cur, &err);

			if (r < 0)
				break;
			/*
			 * Of those ready, the one that has sent the most pages: a long
			 * listing (a group with many members) is a chain of requests
			 * one after another, and its next request goes out only once
			 * its waiting page is taken, so it must not wait behind short
			 * ones.
			 */
			if (r > 0 && (found == NULL ||
						  oc_cursor_pages(src->cur) > oc_cursor_pages(found->cur)))
				found = src;
		}
		if (err.kind == OC_OK && found)
			return found;
		if (err.kind == OC_OK)
			oc_client_wait(st->client, &err);
		if (err.kind != OC_OK)
			scan_error(st, &err);
	}
}


/*
 * The error-context callback of a row being filled (as postgres_fdw's
 * conversion_error_callback): a data exception raised by a column's
 * conversion -- a value its type cannot take (convert.c's reasons), an
 * input function's or an encoding conversion's error -- is worded as an
 * error naming the table, the column, the Okta object and the value, its
 * own message the detail; any other error gets a context line naming them.
 * An error raised below another context (a function called by a domain's
 * check, say, which may catch its own errors by SQLSTATE) is left as it is
 * but for that line.
 */
static void
row_error_callback(void *arg)
{
	OktaRowContext *ctx = arg;
	ErrorData  *edata = NULL;

	if (ctx->column == NULL)
		return;
	if (ERRCODE_TO_CATEGORY(geterrcode()) == ERRCODE_DATA_EXCEPTION &&
		error_context_stack->arg == arg)
	{
		/* the error being reported, copied (not in ErrorContext, where we are) */
		MemoryContext old = MemoryContextSwitchTo(ctx->cxt);

		edata = CopyErrorData();
		MemoryContextSwitchTo(old);
	}
	if (edata && edata->elevel == ERROR)
	{
		errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
		errmsg("invalid value for column \"%s\" of foreign table \"%s\"",
			   ctx->column, ctx->table);
		errdetail("Okta object \"%s\" has %s: %s.", okta_row_object_id(ctx),
				  okta_json_text(ctx->text, ctx->nodes, ctx->value, 200), edata->message);
	}
	else
		errcontext("column \"%s\" of foreign table \"%s\", Okta object \"%s\"",
				   ctx->column, ctx->table, okta_row_object_id(ctx));
}

static void
fill_row(OktaScanState *st, uint32 item, TupleTableSlot *slot)
{
	TupleDesc	tupdesc = slot->tts_tupleDescriptor;
	const char *parent = st->parent_id;
	ErrorContextCallback errcb;

	if (group_rows(st))
	{
		/*
		 * user_groups from a fan-out: the group's columns (resolved when the
		 * page was taken), the member's id
		 */
		const char *text = oc_page_text(st->page);
		const oc_jnode *nodes = oc_page_nodes(st->page);

		parent = okta_json_cstring(text, nodes, oc_json_get(text, nodes, item, "id", 2));
	}

	st->rowctx.cxt = CurrentMemoryContext;
	errcb.callback = row_error_callback;
	errcb.arg = &st->rowctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	okta_row_fill(st->rowmap, tupdesc, parent, slot->tts_values, slot->tts_isnull, &st->rowctx);
	error_context_stack = errcb.previous;
	ExecStoreVirtualTuple(slot);
}

/*
 * A table read whole to its end (no qual narrowed it, no LIMIT): the
 * number of its rows -- of a kind's objects, for the fan-outs over them and
 * the planner's estimates; of a member table's rows by fan-out, for the
 * estimates
 */
static void
remember_listing_count(OktaScanState *st)
{
	const OktaTableDef *t = okta_table(st->object);

	if ((t->parent_kind && !st->fanout) || okta_kind_bounds(t->kind) ||
		st->pp.lookup != LOOKUP_NONE || st->pp.search != NIL || st->limit_hint > 0)
		return;
	okta_remember_count(st->serverid, count_key(t), st->run_rows);
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
			uint32		item = oc_page_item_node(st->page, st->pos++);

			if (!group_rows(st))
			{
				okta_row_resolve(st->rowmap, st->page, item);
				if (!row_wanted(st))
					continue;
			}
			fill_row(st, item, slot);
			st->counters.rows++;
			st->run_rows++;
			return slot;
		}
		if (st->sources != NIL)
		{
			ScanSource *src = pick_source(st);

			if (next_page(st, src->cur, &st->page))
			{
				st->pos = 0;
				st->row_filter = src->row_filter;
				st->parent_id = src->parent_id;
				/* user_groups fan-out: every row of the page has the group's columns */
				if (group_rows(st))
					okta_row_resolve(st->rowmap, src->gpage, src->gnode);
				continue;
			}
			close_source(st, src);
			st->sources = list_delete_ptr(st->sources, src);
		}
		oc_page_free(st->page);
		st->page = NULL;
		if (!fill_sources(st))
		{
			st->done = true;
			remember_listing_count(st);
		}
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
	{
		scan_release(st);
		scan_record(st);
		/* once per scan, rescans included: columns no row had */
		if (st->rowmap)
			okta_rowmap_report(st->rowmap, st->rowctx.table);
	}
}

/* ---------- EXPLAIN ---------- */

/* the requests as EXPLAIN shows them: "GET a; GET b, then GET c for each group" */
static char *
requests_text(OktaScanState *st, List *reqs, bool fanout, const char *fields)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, reqs)
	{
		OktaRequest *r = lfirst(lc);

		appendStringInfo(&buf, "%sGET %s", buf.len ? "; " : "", r->display);
	}
	if (reqs == NIL)
		appendStringInfoString(&buf, "none");
	if (fanout)
		appendStringInfo(&buf, ", then GET %s for each %s",
						 okta_fanout_request(st->object, NULL, st->page_size, fields,
											 st->pp.omit)->display,
						 okta_fanout_kind(st->object)->name);
	return buf.data;
}

static void
oktaExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	OktaScanState *st = node->fdw_state;
	List	   *reqs = st->requests;
	bool		fanout = st->fanout;
	ListCell   *lc;

	if (!st->started)
	{
		/* not run: constants are known, other values are shown as $n or ? */
		int			n = list_length(st->pp.exprs);
		OktaValue  *vals = palloc0(sizeof(OktaValue) * Max(n, 1));
		int			i = 0;

		foreach(lc, st->pp.exprs)
		{
			Node	   *e = lfirst(lc);

			if (IsA(e, Const))
			{
				vals[i].value = ((Const *) e)->constvalue;
				vals[i].isnull = ((Const *) e)->constisnull;
			}
			else
				vals[i].display = okta_value_placeholder(e);
			i++;
		}
		reqs = okta_plan_requests(st->object, &st->pp, vals, st->page_size,
								  st->limit_hint, NULL, &fanout);
	}
	ExplainPropertyText("Okta Request", requests_text(st, reqs, fanout, st->pp.fields), es);
	if (fanout)
	{
		/* what it will cost, and whether the parents' number is known */
		double		parents;
		bool		known;
		double		requests = fanout_requests(st->serverid, st->object, st->page_size,
											   &parents, &known);

		ExplainPropertyText("Okta Fan-out",
							psprintf(known ? "at least %.0f requests (%.0f %ss: this backend's last listing of them)"
									 : "at least %.0f requests (%.0f %ss: a guess, this backend has not listed them)",
									 requests, parents, okta_fanout_kind(st->object)->name),
							es);
	}

	/* the org refused the `fields` projection: what was sent instead */
	foreach(lc, st->sources)
	{
		if (oc_cursor_projection_dropped(((ScanSource *) lfirst(lc))->cur))
			st->fields_dropped = true;
	}
	if (es->analyze && st->fields_dropped && st->vals)
	{
		OktaPushPlan whole = st->pp;

		whole.fields = NULL;
		reqs = okta_plan_requests(st->object, &whole, st->vals, st->page_size,
								  st->limit_hint, &st->now, &fanout);
		ExplainPropertyText("Okta Request Sent",
							psprintf("%s (the org refused the fields projection)",
									 requests_text(st, reqs, fanout, NULL)), es);
	}
	if (es->analyze)
	{
		/* what it cost: requests and pages; VERBOSE adds retries and waits */
		int64		throttled = st->client && !st->recorded
			? (int64) (oc_client_stats(st->client)->throttled_ms -
					   st->client_before.throttled_ms)
			: st->counters.throttled_ms;

		ExplainPropertyInteger("Okta Requests", NULL, st->counters.requests, es);
		ExplainPropertyInteger("Okta Pages", NULL, st->counters.pages, es);
		if (es->verbose)
			ExplainPropertyInteger("Okta Retries", NULL, st->counters.retries, es);
		if (es->verbose || throttled > 0)
			ExplainPropertyInteger("Okta Throttled", "ms", throttled, es);
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
	r->AnalyzeForeignTable = oktaAnalyzeForeignTable;
	PG_RETURN_POINTER(r);
}
