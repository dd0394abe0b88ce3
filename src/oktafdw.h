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

/* which qual, if any, narrows the request */
typedef enum OktaPush
{
	PUSH_NONE = 0,
	PUSH_ID,					/* id = v: GET /{collection}/{v} */
	PUSH_STATUS,				/* users: status = v: search */
	PUSH_PARENT					/* group_members.group_id / user_groups.user_id */
} OktaPush;

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
} OktaServerOptions;

/* table options, resolved */
typedef struct OktaTableOptions
{
	OktaObject	object;
	bool		pushdown;
} OktaTableOptions;

/* option.c */
extern void okta_get_server_options(ForeignServer *server, OktaServerOptions *opts);
extern void okta_get_table_options(Oid relid, OktaTableOptions *opts);
extern char *okta_column_path(Oid relid, AttrNumber attnum);
extern const char *okta_object_name(OktaObject obj);
extern bool okta_parse_object(const char *name, OktaObject *obj);
extern char *okta_read_key_file(const char *path);

/* connection.c */
extern oc_client *okta_get_client(ForeignServer *server, UserMapping *user,
								  const OktaServerOptions *sopts);
extern void okta_report_error(oc_error *err, const char *what) pg_attribute_noreturn();
extern void okta_release_clients(void);

/* deparse.c */
typedef struct OktaRequest
{
	char	   *target;			/* path?query, encoded, for the wire */
	char	   *display;		/* the same with the query decoded */
	int			flags;			/* OC_CURSOR_* */
	int			row_filter;		/* ROWS_* */
} OktaRequest;

#define ROWS_ALL			0
#define ROWS_NOT_DEPROVISIONED 1
#define ROWS_DEPROVISIONED	2

extern OktaPush okta_classify_quals(PlannerInfo *root, RelOptInfo *baserel,
									OktaObject object, Expr **value);
extern List *okta_plan_requests(OktaObject object, OktaPush push,
								const char *value, int page_size, bool *fanout);
extern OktaRequest *okta_member_request(OktaObject object, const char *group_id,
										int page_size);

/* convert.c */
typedef struct OktaColumn OktaColumn;
typedef struct OktaRowContext
{
	const char *table;
	const char *column;
	const char *object_id;
	struct json_object *value;
} OktaRowContext;
extern OktaColumn *okta_columns_prepare(Relation rel, OktaObject object,
										Bitmapset *attrs_used, int *ncols);
extern void okta_columns_fill(OktaColumn *cols, int ncols, TupleDesc tupdesc,
							  struct json_object *obj, const char *parent_id,
							  Datum *values, bool *nulls,
							  OktaRowContext *ctx);

/* import.c */
extern List *okta_import_schema(ImportForeignSchemaStmt *stmt, Oid serverOid);

#endif							/* OKTAFDW_H */
