/*
 * oktafdw.h
 *      Declarations shared by the PostgreSQL side of oktafdw.
 */
#ifndef OKTAFDW_H
#define OKTAFDW_H

#include "postgres.h"

#include "fmgr.h"

/*
 * PostgreSQL 18 marks functions that never return with the prefix
 * pg_noreturn (C11 _Noreturn) and no longer has the postfix
 * pg_attribute_noreturn() of 15 to 17.  We write the prefix; before 18 it
 * is that attribute, which GCC also takes ahead of a declaration.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * PostgreSQL declares a SQL function json_object(); json-c names its type
 * json_object.  Declare PostgreSQL's under another name before json-c's
 * headers come in (we never call it).
 */
#define json_object oktafdw_pg_json_object
#include "utils/builtins.h"
#undef json_object
#include <json-c/json.h>

#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

#include "client/okta_client.h"

/* what a foreign table maps */
typedef enum OktaObject
{
	OKTA_USERS = 0,
	OKTA_GROUPS,
	OKTA_GROUP_MEMBERS,
	OKTA_USER_GROUPS,
	OKTA_SYSTEM_LOG,
	OKTA_APPS,
	OKTA_APP_USERS,
	OKTA_APP_GROUPS,
	OKTA_USER_FACTORS,
	OKTA_USER_ROLES
} OktaObject;

/* ---------- tables.c: what each foreign table is ---------- */

/* what Okta lets a scan do with a field (OktaFieldDef.flags) */
#define OF_SEARCH			0x0001	/* text =, IN, LIKE 'p%' (IS NOT NULL under
									 * profile) in `search` */
#define OF_TIMESTAMP		0x0002	/* timestamp comparisons in `search` */
#define OF_FILTER_EQ		0x0004	/* `filter` takes eq */
#define OF_FILTER_GTLT		0x0008	/* `filter` takes gt and lt */
#define OF_FILTER_GELE		0x0010	/* `filter` takes ge and le */
#define OF_PROJECT			0x0020	/* a `fields` projection may name it */
#define OF_OMIT_CREDENTIALS 0x0040	/* `okta-response` omit can leave it out */
#define OF_OMIT_TRANSITIONING 0x0080
#define OF_LOOKUP_ID		0x0100	/* GET {collection}/{value} fetches one */
#define OF_LOOKUP_LOGIN		0x0200	/* the same, by login (users) */
#define OF_BOUNDS			0x0400	/* ranges become `since`/`until`, and the
									 * listing can be sorted by it (`sortOrder`) */

/* one field of an Okta object kind */
typedef struct OktaFieldDef
{
	const char *path;			/* Okta's dotted path: "status", "profile.login" */
	const char *column;			/* the column IMPORT makes, NULL: none */
	const char *type;			/* its SQL type */
	int			flags;			/* OF_* */
	const char *descr;			/* a few words for the column's comment
								 * (IMPORT), or NULL */
} OktaFieldDef;

/* an Okta object kind: users, groups */
typedef struct OktaKindDef
{
	const char *name;			/* "user" */
	const char *collection;		/* "/api/v1/users" */
	const OktaFieldDef *fields; /* NULL-terminated */
	const char *id_field;		/* the field naming an object in messages */
	const char *id_prefix;		/* what every id of the kind starts with
								 * ("00u" for users), or NULL */
	const char *scope;			/* the scope its reads need, beyond the
								 * default ones; NULL if none */
	bool		search;			/* its listing takes `search` (else only
								 * `filter`) */
	int			page_size;		/* `limit` of its listings; 0: the server's
								 * page_size */
	bool		projection;		/* its listings take a `fields` projection and
								 * `okta-response` omit */
	const char *schema;			/* its schema (custom profile attributes), or
								 * NULL */
	const char *hidden;			/* `filter` for the objects its plain listing
								 * leaves out (read by a second listing), or
								 * NULL */
	bool		unpaged;		/* its listing takes no `limit` (one reply) */
	bool		body_paged;		/* its pages are {"value": [...]} with the
								 * next page's link in _links.next.href */
	const char *expand;			/* `expand` of its listing as a fan-out's
								 * parents ("stats": member counts), or NULL */
	const char *const *secrets; /* member names never shown, at any depth
								 * (NULL-terminated), or NULL */
} OktaKindDef;

/* a foreign table's object */
typedef struct OktaTableDef
{
	OktaObject	object;
	const char *name;			/* the object option, IMPORT's table name */
	const OktaKindDef *kind;	/* the objects its rows read */
	/* member tables */
	const OktaKindDef *parent_kind; /* whose members, NULL if not one */
	const char *member_path;	/* {parent collection}/{id}{member_path} */
	const char *parent_column;	/* the parent's id: "group_id" */
	const char *member_column;	/* the member's id: "user_id" */
	bool		fanout_parent_rows; /* read by fan-out over groups, a row is
									 * the group's columns and the member's id */
	const OktaKindDef *fanout_kind; /* without a parent qual, the listing of
									 * the parents; NULL: the parent kind's */
	const char *object_column;	/* the whole object as jsonb, or NULL */
	/* planner estimates: an unnarrowed scan's rows, rows per lookup */
	double		base_rows;
	double		rows_per_lookup;
} OktaTableDef;

/* what a column reads (okta_column_info) */
typedef enum OktaColRole
{
	COL_FIELD,					/* an Okta field */
	COL_LOOKUP_ID,				/* ... that fetches one object by id */
	COL_LOOKUP_LOGIN,			/* ... or by login */
	COL_PARENT_ID,				/* a member table's parent id */
	COL_OBJECT					/* the whole object */
} OktaColRole;

typedef struct OktaColumnInfo
{
	OktaColRole role;
	Oid			typid;
	bool		has_path;		/* from a path option */
	char	   *path;			/* the field read; NULL for COL_PARENT_ID and
								 * COL_OBJECT */
	char	   *name_key;		/* no path option: the name's camelCase, which
								 * the row reader looks up at the top level,
								 * then under profile; else NULL */
	const OktaFieldDef *def;	/* the known field at path, or NULL */
	int			okta_type;		/* the `type` option (OKTA_TYPE_*) */
	bool		secret;			/* it reads a secret: always NULL */
} OktaColumnInfo;

/*
 * The Okta type of a custom profile attribute, from a column's `type`
 * option (IMPORT writes the user schema's; a user may set it): what
 * literals Okta's search compares the attribute with.
 */
#define OKTA_TYPE_NONE		0	/* no option: the attribute is not searched */
#define OKTA_TYPE_STRING	1
#define OKTA_TYPE_INTEGER	2
#define OKTA_TYPE_NUMBER	3
#define OKTA_TYPE_BOOLEAN	4
#define OKTA_TYPE_ARRAY		5
#define OKTA_TYPE_DATE		6	/* a string holding an ISO 8601 date */

/* how a searchable column compares at Okta (okta_column_search_attr) */
typedef enum OktaCmpKind
{
	CMP_TEXT,					/* strings: =, IN, LIKE 'p%', IS NOT NULL */
	CMP_TIMESTAMP,				/* Okta timestamps: ranges */
	CMP_INTEGER,				/* integers: =, IN, ranges, IS NOT NULL */
	CMP_NUMBER,					/* numbers (doubles at Okta): the same */
	CMP_BOOLEAN,				/* true / false, IS NOT NULL */
	CMP_DATE					/* ISO 8601 date strings: =, IN, ranges */
} OktaCmpKind;

extern const OktaTableDef *okta_table(OktaObject object);
extern int	okta_table_count(void);
extern const char *okta_object_name(OktaObject obj);
extern bool okta_parse_object(const char *name, OktaObject *obj);
extern char *okta_object_names(int from, const char *sep_last);
extern char *okta_column_path(Oid relid, AttrNumber attnum);
extern bool okta_parse_okta_type(const char *name, int *type);
extern char *okta_camel_case(const char *s);
extern const OktaFieldDef *okta_kind_field(const OktaKindDef *kind, const char *path);
extern const OktaFieldDef *okta_kind_bounds(const OktaKindDef *kind);
extern bool okta_secret_key(const OktaKindDef *kind, const char *key, int len);
extern void okta_column_info(Oid relid, OktaObject object, AttrNumber attnum,
							 OktaColumnInfo *info);
extern const char *okta_column_search_attr(Oid relid, OktaObject object,
										   const OktaColumnInfo *info, OktaCmpKind *kind);
extern bool okta_field_filter_op(OktaObject object, const char *path, const char *op);
extern void okta_append_column_def(StringInfo buf, const OktaFieldDef *f);
extern char *okta_field_comment(const OktaFieldDef *f);

/* server options, resolved */
typedef struct OktaServerOptions
{
	char	   *org_url;
	char	   *ca_file;
	char	   *proxy;
	char	   *scopes;
	int			timeout_ms;
	int			connect_timeout_ms;
	int			page_size;
	int			max_retries;
	int			max_concurrency;
	int			max_fanout;		/* most requests a fan-out may send */
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
/* what: a kind (its objects) or a member table (its rows by fan-out) */
extern int64 okta_known_count(Oid serverid, const void *what);
extern void okta_remember_count(Oid serverid, const void *what, int64 count);

/* option.c */
extern void okta_get_server_options(ForeignServer *server, OktaServerOptions *opts);
extern void okta_get_table_options(Oid relid, OktaTableOptions *opts);
extern char *okta_read_key_file(const char *path);
extern bool okta_org_url_is_http(const char *org_url);
extern char *okta_admin_console_url_fix(const char *org_url);
extern void okta_wipe_key(char *pem);

/* connection.c */
typedef struct OktaConn OktaConn;
extern OktaConn *okta_acquire_conn(ForeignServer *server, UserMapping *user,
								   const OktaServerOptions *sopts);
extern void okta_release_conn(OktaConn *conn);
extern oc_client *okta_conn_client(OktaConn *conn);
pg_noreturn extern void okta_report_error(oc_error *err, const char *what);
pg_noreturn extern void okta_report_error_hint(oc_error *err, const char *what,
											   const char *hint);
extern void okta_release_clients(void);
extern char *okta_admin_console_hint(ForeignServer *server, const char *fixed);
extern const char *okta_error_hint(const oc_error *err);

/* budget.c: one rate-limit budget per org for all backends (preloaded) */
extern void okta_budget_init(void);
extern bool okta_budget_shared(void);
extern void okta_budget_attach(oc_client *client);

/* deparse.c: the pushed-down tree (kept in fdw_private as Lists) */
#define PN_CMP		1			/* (tag, attr, op, value kind, expr index) */
#define PN_NOTNULL	2			/* (tag, attr, also ""?): a string may be
								 * "", which Okta's pr leaves out */
#define PN_AND		3			/* (tag, children) */
#define PN_OR		4

/* value kinds */
#define VK_TEXT		1			/* a string */
#define VK_TS		2			/* a timestamptz */
#define VK_LIKE		3			/* a LIKE pattern: a prefix becomes sw */
#define VK_TEXT_IN	4			/* an array of strings: or of eq */
/* custom attributes: (tag, attr, op, value kind, expr index, value type) */
#define VK_INTEGER	5			/* a number, sent as an integer literal */
#define VK_NUMBER	6			/* a number, sent as a number literal */
#define VK_BOOL		7			/* true / false */
#define VK_DATE		8			/* a date, sent as "YYYY-MM-DD" */
#define VK_ARRAY	0x100		/* or'ed in: an array of such values (IN) */

/* deparse.c (the push plan) and requests.c (the requests it makes) */
typedef struct OktaRequest
{
	char	   *target;			/* path?query, encoded, for the wire; NULL when
								 * built for EXPLAIN with values unknown */
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
	int			omit;			/* OC_CURSOR_OMIT_* for user objects */
	List	   *bounds;			/* since/until: (op, expr index) pairs */
	int			sort;			/* sortOrder: 1 ascending, -1 descending, 0 none */
} OktaPushPlan;

/* a value expression's value at execution, or a placeholder for EXPLAIN */
typedef struct OktaValue
{
	Datum		value;
	bool		isnull;
	const char *display;		/* non-NULL: not evaluated, show this */
} OktaValue;

/* deparse.c */
extern OktaPushPlan *okta_plan_pushdown(PlannerInfo *root, RelOptInfo *baserel,
										Oid relid, OktaObject object, List *quals);
extern bool okta_is_lookup_column(Oid relid, OktaObject object, AttrNumber attnum);
extern void okta_listing_projection(Oid relid, OktaObject object, Bitmapset *attrs_used,
									char **fields, int *omit);

/* requests.c */
extern List *okta_plan_requests(OktaObject object, const OktaPushPlan *pp,
								const OktaValue *vals, int page_size,
								int limit_hint, const TimestampTz *now, bool *fanout);
extern const OktaKindDef *okta_fanout_kind(OktaObject object);
extern OktaRequest *okta_fanout_request(OktaObject object, const char *id, int page_size,
										const char *fields, int omit);
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
extern OktaRowMap *okta_rowmap_prepare(Relation rel, OktaObject object,
									   Bitmapset *attrs_used);
/* find the fields the columns read in object node obj of page */
extern void okta_row_resolve(OktaRowMap *m, const oc_page *page, uint32 obj);
extern bool okta_row_deprovisioned(OktaRowMap *m);
extern void okta_rowmap_report(OktaRowMap *m, const char *table);
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

/* analyze.c */
extern bool oktaAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
									BlockNumber *totalpages);

#endif							/* OKTAFDW_H */
