/*
 * admin.c
 *      The extension's functions: oktafdw_version(), okta_check(),
 *      okta_stats(), okta_reset(), and the per-backend statistics behind
 *      okta_stats().
 */
#include "oktafdw.h"

#include <time.h>

#include "access/htup_details.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(oktafdw_version);
PG_FUNCTION_INFO_V1(okta_reset);

/*
 * How many objects this backend's last complete listing of them found, per
 * server: of a kind (OktaKindDef: the users, groups, apps or role holders),
 * or of a member table read whole by fan-out (OktaTableDef).  A fan-out's
 * size is known from its parents' count before its first request, and the
 * planner's row estimates are the org's, not a guess.
 */
typedef struct KnownCount
{
	Oid			serverid;
	const void *what;			/* an OktaKindDef or an OktaTableDef */
	int64		count;
} KnownCount;

static List *known_counts = NIL;	/* in TopMemoryContext */

/* this backend's count of what on a server, -1 if none */
int64
okta_known_count(Oid serverid, const void *what)
{
	ListCell   *lc;

	foreach(lc, known_counts)
	{
		KnownCount *kc = lfirst(lc);

		if (kc->serverid == serverid && kc->what == what)
			return kc->count;
	}
	return -1;
}

void
okta_remember_count(Oid serverid, const void *what, int64 count)
{
	ListCell   *lc;
	KnownCount *kc;
	MemoryContext old;

	foreach(lc, known_counts)
	{
		kc = lfirst(lc);
		if (kc->serverid == serverid && kc->what == what)
		{
			kc->count = count;
			return;
		}
	}
	old = MemoryContextSwitchTo(TopMemoryContext);
	kc = palloc(sizeof(KnownCount));
	kc->serverid = serverid;
	kc->what = what;
	kc->count = count;
	known_counts = lappend(known_counts, kc);
	MemoryContextSwitchTo(old);
}

PG_FUNCTION_INFO_V1(okta_check);
PG_FUNCTION_INFO_V1(okta_stats);

/* ---------- statistics ---------- */

/*
 * Fixed storage, so that recording never allocates: scans record from
 * memory-context reset callbacks, which also run during error cleanup.
 */
#define MAX_STAT_ENTRIES 128

typedef struct OktaStatEntry
{
	Oid			serverid;
	OktaObject	object;
	OktaScanCounters c;
} OktaStatEntry;

static OktaStatEntry stat_entries[MAX_STAT_ENTRIES];
static int	n_stat_entries = 0;

void
okta_stats_record(Oid serverid, OktaObject object, const OktaScanCounters *c)
{
	int			i;
	OktaStatEntry *e = NULL;

	for (i = 0; i < n_stat_entries; i++)
	{
		if (stat_entries[i].serverid == serverid && stat_entries[i].object == object)
		{
			e = &stat_entries[i];
			break;
		}
	}
	if (e == NULL)
	{
		if (n_stat_entries >= MAX_STAT_ENTRIES)
			return;				/* a backend with that many servers: stop counting */
		e = &stat_entries[n_stat_entries++];
		memset(e, 0, sizeof(*e));
		e->serverid = serverid;
		e->object = object;
	}
	e->c.requests += c->requests;
	e->c.pages += c->pages;
	e->c.rows += c->rows;
	e->c.bytes += c->bytes;
	e->c.retries += c->retries;
	e->c.throttled_ms += c->throttled_ms;
	e->c.errors += c->errors;
	e->c.token_requests += c->token_requests;
}

Datum
okta_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n_stat_entries; i++)
	{
		OktaStatEntry *e = &stat_entries[i];
		ForeignServer *server = GetForeignServerExtended(e->serverid, FSV_MISSING_OK);
		Datum		values[10];
		bool		nulls[10] = {0};
		NameData	sname;

		if (server == NULL)
			continue;			/* dropped since */
		namestrcpy(&sname, server->servername);
		values[0] = NameGetDatum(&sname);
		values[1] = CStringGetTextDatum(okta_object_name(e->object));
		values[2] = Int64GetDatum(e->c.requests);
		values[3] = Int64GetDatum(e->c.pages);
		values[4] = Int64GetDatum(e->c.rows);
		values[5] = Int64GetDatum(e->c.bytes);
		values[6] = Int64GetDatum(e->c.retries);
		values[7] = Int64GetDatum(e->c.throttled_ms);
		values[8] = Int64GetDatum(e->c.errors);
		values[9] = Int64GetDatum(e->c.token_requests);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------- functions ---------- */

Datum
oktafdw_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(OKTAFDW_VERSION_STR));
}

Datum
okta_reset(PG_FUNCTION_ARGS)
{
	okta_release_clients();
	list_free_deep(known_counts);
	known_counts = NIL;
	n_stat_entries = 0;
	PG_RETURN_VOID();
}

static double
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000.0 + (now.tv_nsec - start->tv_nsec) / 1e6;
}

/*
 * Only a role that may use the server may make it authenticate: without
 * this, a PUBLIC user mapping would let any role force fresh token requests
 * (the org's token bucket) through okta_check.  dblink checks the same.
 */
static void
check_server_usage(ForeignServer *server)
{
	AclResult	r;

#if PG_VERSION_NUM >= 160000
	r = object_aclcheck(ForeignServerRelationId, server->serverid, GetUserId(), ACL_USAGE);
#else
	r = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
#endif
	if (r != ACLCHECK_OK)
		aclcheck_error(r, OBJECT_FOREIGN_SERVER, server->servername);
}

/* Has this role a user mapping on the server, its own or PUBLIC's? */
static bool
has_user_mapping(Oid userid, Oid serverid)
{
	HeapTuple	tp;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
						 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		return false;
	ReleaseSysCache(tp);
	return true;
}

/*
 * What okta_check() finds wrong before anything is sent (a message), or
 * NULL: an org_url that is the Admin Console's (set before the validator
 * refused it), or no user mapping for this role.
 */
static char *
check_setup(ForeignServer *server, const OktaServerOptions *sopts)
{
	char	   *fixed = okta_admin_console_url_fix(sopts->org_url);

	if (fixed != NULL)
		return psprintf("org_url %s is the Okta Admin Console's address, not the org's. %s",
						sopts->org_url, okta_admin_console_hint(server, fixed));
	if (!has_user_mapping(GetUserId(), server->serverid))
		return psprintf("no user mapping for role \"%s\" on server \"%s\". Create one with CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (client_id '...', private_key '...', key_id '...'), or OPTIONS (api_token '...').",
						GetUserNameFromId(GetUserId(), false), server->servername,
						quote_identifier(server->servername));
	return NULL;
}

/*
 * okta_check(server): get a fresh token and list one user.  An Okta
 * refusal, a transport failure or a set-up mistake found before is a row
 * with ok = false, not an error.
 */
Datum
okta_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *servername = NameStr(*PG_GETARG_NAME(0));
	ForeignServer *server;
	ForeignDataWrapper *fdw;
	UserMapping *user;
	OktaServerOptions sopts;
	OktaConn   *conn;
	oc_client  *client;
	oc_error	err;
	struct timespec start;
	Datum		values[8];
	bool		nulls[8] = {0};
	bool		ok = false;
	char	   *message;
	long		expires;
	long		remaining;
	const char *scopes;
	const char *auth_method;
	int			max_retries;

	InitMaterializedSRF(fcinfo, 0);
	server = GetForeignServerByName(servername, false);
	fdw = GetForeignDataWrapper(server->fdwid);
	if (strcmp(fdw->fdwname, "oktafdw") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("server \"%s\" does not use the oktafdw foreign data wrapper",
						servername)));
	check_server_usage(server);
	okta_get_server_options(server, &sopts);
	message = check_setup(server, &sopts);
	if (message != NULL)
	{
		memset(nulls, true, sizeof(nulls));
		values[0] = BoolGetDatum(false);
		nulls[0] = false;
		values[1] = CStringGetTextDatum(sopts.org_url);
		nulls[1] = false;
		values[7] = CStringGetTextDatum(message);
		nulls[7] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		return (Datum) 0;
	}
	user = GetUserMapping(GetUserId(), server->serverid);
	conn = okta_acquire_conn(server, user, &sopts);
	client = okta_conn_client(conn);

	/*
	 * check the credentials now, not a token cached earlier; and say at
	 * once what went wrong: a set-up mistake (a wrong host, a closed port)
	 * is not worth max_retries pauses, which a scan would wait out
	 */
	oc_client_reset_token(client);
	max_retries = oc_client_set_max_retries(client, 0);
	oc_error_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (oc_client_authenticate(client, &err) == 0)
	{
		oc_request	r;
		oc_cursor  *cur;
		oc_page    *page = NULL;

		/* one user: GET /api/v1/users?limit=1 */
		oc_request_init(&r, okta_table(OKTA_USERS)->kind->collection);
		oc_request_param_int(&r, "limit", 1);
		cur = oc_request_target(&r) ? oc_cursor_open(client, oc_request_target(&r),
													 OC_CURSOR_ARRAY) : NULL;
		oc_request_free(&r);

		if (cur != NULL)
		{
			ok = oc_cursor_next(cur, &page, &err) >= 0;
			oc_page_free(page);
			oc_cursor_close(cur);
		}
		else
			err.kind = OC_ERR_NOMEM;
	}
	expires = oc_client_token_expires_in(client);
	remaining = oc_client_rate_remaining(client);
	scopes = oc_client_granted_scopes(client);
	scopes = scopes ? pstrdup(scopes) : NULL;
	auth_method = pstrdup(oc_client_auth_method(client));
	(void) oc_client_set_max_retries(client, max_retries);
	okta_release_conn(conn);
	if (!ok && err.kind == OC_ERR_CANCELLED)
		okta_report_error(&err, NULL);	/* a cancel is still a cancel */

	if (ok)
		message = psprintf("authenticated and listed users; the rate-limit budget is %s",
						   okta_budget_shared()
						   ? "shared by all backends (oktafdw is preloaded)"
						   : "per backend (add oktafdw to shared_preload_libraries to share it)");
	else
	{
		const char *hint = okta_error_hint(&err);
		size_t		n = strlen(err.detail);

		/* one sentence: Okta's own text may end in a period */
		if (n > 0 && err.detail[n - 1] == '.')
			err.detail[n - 1] = '\0';
		message = psprintf("%s%s%s%s%s%s.%s%s", err.message,
						   err.code[0] ? " (" : "", err.code, err.code[0] ? ")" : "",
						   err.detail[0] ? ": " : "", err.detail,
						   hint ? " " : "", hint ? hint : "");
	}
	values[0] = BoolGetDatum(ok);
	values[1] = CStringGetTextDatum(sopts.org_url);
	values[2] = CStringGetTextDatum(auth_method);
	if (scopes)
		values[3] = CStringGetTextDatum(scopes);
	else
		nulls[3] = true;
	if (expires >= 0)
		values[4] = Int32GetDatum((int32) expires);
	else
		nulls[4] = true;
	if (remaining >= 0)
		values[5] = Int32GetDatum((int32) Min(remaining, PG_INT32_MAX));
	else
		nulls[5] = true;
	values[6] = Float8GetDatum(elapsed_ms(&start));
	values[7] = CStringGetTextDatum(message);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
