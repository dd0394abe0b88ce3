/*
 * oktafdw.h
 *      Declarations shared by the PostgreSQL side of oktafdw.
 */
#ifndef OKTAFDW_H
#define OKTAFDW_H

#include "postgres.h"

#include "fmgr.h"

/*
 * PostgreSQL declares a SQL function json_object(); json-c names its type
 * json_object.  Declare PostgreSQL's under another name before json-c's
 * headers come in (we never call it).
 */
#define json_object oktafdw_pg_json_object
#include "utils/builtins.h"
#undef json_object
#include <json-c/json.h>

#include "foreign/foreign.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

#include "client/okta_client.h"

/* what a foreign table maps */
typedef enum OktaObject
{
	OKTA_USERS = 0,
	OKTA_GROUPS,
	OKTA_GROUP_MEMBERS,
	OKTA_USER_GROUPS
} OktaObject;

/* server options, resolved */
typedef struct OktaServerOptions
{
	char	   *org_url;
	char	   *ca_file;
	char	   *scopes;
	int			timeout_ms;
	int			connect_timeout_ms;
	int			page_size;
	int			max_retries;
	int			max_concurrency;
	oc_dpop_mode dpop;
	bool		fields_projection;	/* ask user listings for the needed fields */
} OktaServerOptions;

/* table options, resolved */
typedef struct OktaTableOptions
{
	OktaObject	object;
	bool		pushdown;
} OktaTableOptions;

/* what one scan did (okta_stats, EXPLAIN ANALYZE) */
typedef struct OktaScanCounters
{
	int64		requests;
	int64		pages;
	int64		rows;
	int64		bytes;
	int64		retries;
	int64		throttled_ms;
	int64		errors;
	int64		token_requests;
} OktaScanCounters;

/* admin.c */
extern void okta_stats_record(Oid serverid, OktaObject object, const OktaScanCounters *c);

/* option.c */
extern void okta_get_server_options(ForeignServer *server, OktaServerOptions *opts);
extern void okta_get_table_options(Oid relid, OktaTableOptions *opts);
extern char *okta_column_path(Oid relid, AttrNumber attnum);
extern const char *okta_object_name(OktaObject obj);
extern bool okta_parse_object(const char *name, OktaObject *obj);
extern char *okta_read_key_file(const char *path);

/* connection.c */
typedef struct OktaConn OktaConn;
extern OktaConn *okta_acquire_conn(ForeignServer *server, UserMapping *user,
								   const OktaServerOptions *sopts);
extern void okta_release_conn(OktaConn *conn);
extern oc_client *okta_conn_client(OktaConn *conn);
extern void okta_report_error(oc_error *err, const char *what) pg_attribute_noreturn();
extern void okta_release_clients(void);
extern const char *okta_error_hint(const oc_error *err);

/* deparse.c */
typedef struct OktaRequest
{
	char	   *target;			/* path?query, encoded, for the wire */
	char	   *display;		/* the same with the query decoded */
	int			flags;			/* OC_CURSOR_* */
	int			row_filter;		/* ROWS_* */
	char	   *parent_id;		/* member listings: whose members */
} OktaRequest;

#define ROWS_ALL			0
#define ROWS_NOT_DEPROVISIONED 1
#define ROWS_DEPROVISIONED	2

/* what narrows a scan's requests */
#define LOOKUP_NONE		0
#define LOOKUP_ID		1		/* id = v / IN: GET /{collection}/{v} each */
#define LOOKUP_LOGIN	2		/* users' login = v / IN */
#define LOOKUP_PARENT	3		/* group_id / user_id = v / IN: member listings */

typedef struct OktaPushPlan
{
	int			lookup;			/* LOOKUP_* */
	int			lookup_expr;	/* index into exprs */
	bool		lookup_array;	/* the value is an array (IN) */
	List	   *search;			/* pushed tree (users, groups), NIL if none */
	bool		use_filter;		/* Okta's filter grammar suffices */
	List	   *exprs;			/* value expressions (fdw_exprs) */
	char	   *fields;			/* Okta's `fields` for user listings, or NULL */
} OktaPushPlan;

/* a value expression's value at execution, or a placeholder for EXPLAIN */
typedef struct OktaValue
{
	Datum		value;
	bool		isnull;
	const char *display;		/* non-NULL: not evaluated, show this */
} OktaValue;

extern OktaPushPlan *okta_plan_pushdown(PlannerInfo *root, RelOptInfo *baserel,
										Oid relid, OktaObject object, List *quals);
extern bool okta_is_lookup_column(Oid relid, OktaObject object, AttrNumber attnum);
extern List *okta_plan_requests(OktaObject object, const OktaPushPlan *pp,
								const OktaValue *vals, int page_size,
								int limit_hint, bool *fanout);
extern OktaRequest *okta_member_request(const char *group_id, int page_size,
										const char *fields);
extern char *okta_user_fields(Oid relid, OktaObject object, Bitmapset *attrs_used);
extern char *okta_value_placeholder(Node *e);
extern bool vals_have_placeholders(const OktaPushPlan *pp, const OktaValue *vals);
extern char *okta_search_display(List *node, const OktaValue *vals);

/* convert.c */
typedef struct OktaRowMap OktaRowMap;
/* a row being filled, for its error-context callback (fill_row) */
typedef struct OktaRowContext
{
	const char *table;
	MemoryContext cxt;			/* the row's memory */
	const char *column;			/* being converted; NULL when none */
	const char *text;			/* the page of the object */
	const oc_jnode *nodes;
	uint32		value;			/* the value being converted */
	uint32		id;				/* the object's id, 0 if none */
} OktaRowContext;
/* a column name's Okta field name: snake_case to camelCase */
extern char *okta_camel_case(const char *s);
extern OktaRowMap *okta_rowmap_prepare(Relation rel, OktaObject object,
									   Bitmapset *attrs_used);
/* find the fields the columns read in object node obj of page */
extern void okta_row_resolve(OktaRowMap *m, const oc_page *page, uint32 obj);
extern bool okta_row_deprovisioned(OktaRowMap *m);
extern void okta_row_fill(OktaRowMap *m, TupleDesc tupdesc, const char *parent_id,
						  Datum *values, bool *nulls, OktaRowContext *ctx);
extern char *okta_json_text(const char *text, const oc_jnode *nodes, uint32 node,
							int maxlen);
extern char *okta_row_object_id(const OktaRowContext *ctx);
/*
 * A string node's value, unescaped, palloc'd; NULL if node is 0, not a
 * string, or holds a NUL.
 */
extern char *okta_json_cstring(const char *text, const oc_jnode *nodes, uint32 node);

/* import.c */
extern List *okta_import_schema(ImportForeignSchemaStmt *stmt, Oid serverOid);

#endif							/* OKTAFDW_H */
