/*
 * connection.c
 *      The per-backend cache of Okta clients (one per user mapping: its
 *      token, DPoP key and live connections survive across queries), the
 *      wait hook that keeps requests interruptible, and error reporting.
 */
#include "oktafdw.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/wait_event.h"

/*
 * A client in use: scans hold a reference, so a client dropped by
 * okta_reset() or an ALTER while a scan still runs (an open cursor) is only
 * destroyed when its last scan lets go of it.
 */
struct OktaConn
{
	oc_client  *client;
	int			refs;
	bool		retired;		/* no longer in the cache */
};

typedef struct OktaConnEntry
{
	Oid			umid;			/* hash key */
	OktaConn   *conn;
	bool		invalidated;
	uint32		server_hashvalue;	/* syscache hash of the server */
	uint32		mapping_hashvalue;	/* syscache hash of the user mapping */
} OktaConnEntry;

static HTAB *conn_hash = NULL;
static MemoryContext wait_cxt = NULL;

/*
 * The wait events a backend waiting on Okta shows in pg_stat_activity:
 * since 17, custom ones naming what it waits for (type Extension, event
 * OktaRequest, OktaRateLimit or OktaRetry); before, type Extension with
 * event Extension.
 */
#if PG_VERSION_NUM >= 170000
static uint32 we_request = 0;
static uint32 we_rate_limit = 0;
static uint32 we_retry = 0;
#endif

/* Register the custom wait events, once (it may fail: not in the hook). */
static void
wait_events_init(void)
{
#if PG_VERSION_NUM >= 170000
	if (we_request == 0)
	{
		we_rate_limit = WaitEventExtensionNew("OktaRateLimit");
		we_retry = WaitEventExtensionNew("OktaRetry");
		we_request = WaitEventExtensionNew("OktaRequest");
	}
#endif
}

/* the wait event of a wait for this */
static uint32
wait_event_of(const oc_wait_info *w)
{
#if PG_VERSION_NUM >= 170000
	switch (w->kind)
	{
		case OC_WAITING_RATE:
			return we_rate_limit;
		case OC_WAITING_RETRY:
			return we_retry;
		case OC_WAITING_REPLY:
			break;
	}
	return we_request;
#else
	(void) w;
	return PG_WAIT_EXTENSION;
#endif
}

static void conn_retire(OktaConn *conn);

/*
 * Forget the clients built from a server or user mapping (a hash value of
 * 0 means "everything"): now (they go when let go), or when next acquired.
 */
static void
forget_clients(int cacheid, uint32 hashvalue, bool now)
{
	HASH_SEQ_STATUS scan;
	OktaConnEntry *e;

	if (conn_hash == NULL)
		return;
	hash_seq_init(&scan, conn_hash);
	while ((e = hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue != 0 &&
			!(cacheid == FOREIGNSERVEROID && e->server_hashvalue == hashvalue) &&
			!(cacheid == USERMAPPINGOID && e->mapping_hashvalue == hashvalue))
			continue;
		if (!now)
			e->invalidated = true;
		else if (e->conn)
		{
			conn_retire(e->conn);
			e->conn = NULL;
		}
	}
}

/* A server or user mapping changed: forget the clients built from it. */
static void
invalidate_clients(Datum arg, int cacheid, uint32 hashvalue)
{
	forget_clients(cacheid, hashvalue, false);
}

/*
 * The client layer's wait hook (arg: the client): wait on its sockets and
 * our latch, with wait event type Extension and an event naming what the
 * client waits for (wait_event_of), and ask it to stop when the query is
 * being cancelled or the backend terminated.  The error itself is raised by
 * the caller (CHECK_FOR_INTERRUPTS) once the client has unwound.
 */
static int
okta_wait(void *arg, const oc_waitfd *fds, int nfds, long timeout_ms)
{
	MemoryContext old;
	WaitEventSet *set;
	WaitEvent	events[16];
	oc_wait_info why;
	int			i;

	if (QueryCancelPending || ProcDiePending)
		return 1;
	oc_client_waiting((oc_client *) arg, &why);
	if (timeout_ms < 0)
		timeout_ms = 1000;
	old = MemoryContextSwitchTo(wait_cxt);
#if PG_VERSION_NUM >= 170000

	/*
	 * Since 17 a set is made in TopMemoryContext and may belong to a
	 * resource owner, which then frees it (and its epoll descriptor) if an
	 * error escapes before FreeWaitEventSet.  Outside a transaction
	 * CurrentResourceOwner is NULL and the set belongs to no one.
	 */
	set = CreateWaitEventSet(CurrentResourceOwner, nfds + 2);
#else
	set = CreateWaitEventSet(wait_cxt, nfds + 2);
#endif
	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	for (i = 0; i < nfds; i++)
	{
		uint32		ev = 0;

		if (fds[i].events & OC_WAIT_READ)
			ev |= WL_SOCKET_READABLE;
		if (fds[i].events & OC_WAIT_WRITE)
			ev |= WL_SOCKET_WRITEABLE;
		AddWaitEventToSet(set, ev, fds[i].fd, NULL, NULL);
	}
	(void) WaitEventSetWait(set, timeout_ms, events, lengthof(events),
							wait_event_of(&why));
	FreeWaitEventSet(set);
	MemoryContextSwitchTo(old);
	MemoryContextReset(wait_cxt);
	ResetLatch(MyLatch);
	if (QueryCancelPending || ProcDiePending)
		return 1;
	return 0;
}

static char *
mapping_option(UserMapping *user, const char *name)
{
	ListCell   *lc;

	foreach(lc, user->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

static void
conn_retire(OktaConn *conn)
{
	conn->retired = true;
	if (conn->refs == 0)
	{
		oc_client_destroy(conn->client);
		pfree(conn);
	}
}

/* Let go of a client taken with okta_acquire_conn(). */
void
okta_release_conn(OktaConn *conn)
{
	if (conn == NULL)
		return;
	Assert(conn->refs > 0);
	conn->refs--;
	if (conn->retired && conn->refs == 0)
	{
		oc_client_destroy(conn->client);
		pfree(conn);
	}
}

oc_client *
okta_conn_client(OktaConn *conn)
{
	return conn->client;
}

/*
 * The client of a user mapping, made on first use and kept for the
 * backend's life (token, DPoP key and nonce, live connections); the caller
 * holds a reference until okta_release_conn().
 */
OktaConn *
okta_acquire_conn(ForeignServer *server, UserMapping *user,
				  const OktaServerOptions *sopts)
{
	OktaConnEntry *entry;
	bool		found;
	char	   *fixed;

	/*
	 * An http:// org_url is a superuser's choice, and the validator refuses
	 * it from anyone else; but it never sees ALTER SERVER ... OWNER TO, a
	 * catalog written by an older version, or an owner that has since lost
	 * superuser.  So a server with an http:// org_url is used only while a
	 * superuser owns it (its owner is who may change its options), checked
	 * on every use: a cached client is not rebuilt when a role changes.
	 */
	if (okta_org_url_is_http(sopts->org_url) && !superuser_arg(server->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("server \"%s\" has an http:// org_url but is not owned by a superuser",
						server->servername),
				 errhint("Use https://, or have a superuser own the server.")));

	/*
	 * The Admin Console's address, set before the validator refused it:
	 * nothing is sent there (okta_check() says so in its row).
	 */
	if ((fixed = okta_admin_console_url_fix(sopts->org_url)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("server \"%s\" has the Okta Admin Console's address as org_url",
						server->servername),
				 errhint("%s", okta_admin_console_hint(server, fixed))));

	if (conn_hash == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(OktaConnEntry);
		conn_hash = hash_create("oktafdw clients", 8, &ctl, HASH_ELEM | HASH_BLOBS);
		wait_cxt = AllocSetContextCreate(TopMemoryContext, "oktafdw wait",
										 ALLOCSET_SMALL_SIZES);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidate_clients, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate_clients, (Datum) 0);
	}
	wait_events_init();
	entry = hash_search(conn_hash, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->conn = NULL;
		entry->invalidated = false;
	}
	if (entry->conn && entry->invalidated)
	{
		conn_retire(entry->conn);
		entry->conn = NULL;
	}
	entry->invalidated = false;
	if (entry->conn == NULL)
	{
		oc_config	cfg;
		oc_error	err;
		char	   *key_file;
		oc_client  *client;

		entry->server_hashvalue = GetSysCacheHashValue1(FOREIGNSERVEROID,
														ObjectIdGetDatum(server->serverid));
		entry->mapping_hashvalue = GetSysCacheHashValue1(USERMAPPINGOID,
														 ObjectIdGetDatum(user->umid));

		memset(&cfg, 0, sizeof(cfg));
		cfg.org_url = sopts->org_url;
		cfg.ca_file = sopts->ca_file;
		cfg.proxy = sopts->proxy;
		cfg.scopes = sopts->scopes;
		cfg.timeout_ms = sopts->timeout_ms;
		cfg.connect_timeout_ms = sopts->connect_timeout_ms;
		cfg.max_retries = sopts->max_retries;
		cfg.dpop = sopts->dpop;
		cfg.client_id = mapping_option(user, "client_id");
		cfg.private_key_pem = mapping_option(user, "private_key");
		cfg.key_id = mapping_option(user, "key_id");
		cfg.api_token = mapping_option(user, "api_token");
		key_file = mapping_option(user, "private_key_file");
		if (key_file && cfg.private_key_pem == NULL)
			cfg.private_key_pem = okta_read_key_file(key_file);
		client = oc_client_create(&cfg, &err);
		if (cfg.private_key_pem && key_file)
			okta_wipe_key((char *) cfg.private_key_pem);
		if (client == NULL)
			okta_report_error(&err, NULL);
		oc_client_set_wait(client, okta_wait, client);
		okta_budget_attach(client);
		entry->conn = MemoryContextAllocZero(TopMemoryContext, sizeof(OktaConn));
		entry->conn->client = client;
	}
	entry->conn->refs++;
	return entry->conn;
}

/* What to do about an org_url that is the Admin Console's (fixed: the org's) */
char *
okta_admin_console_hint(ForeignServer *server, const char *fixed)
{
	return psprintf("Drop \"-admin\" from the host name: ALTER SERVER %s OPTIONS (SET org_url '%s').",
					quote_identifier(server->servername), fixed);
}

/* Drop every cached client (okta_reset()); clients in use go when let go. */
void
okta_release_clients(void)
{
	forget_clients(0, 0, true);
}

static int
errcode_for(const oc_error *err)
{
	switch (err->kind)
	{
		case OC_ERR_CONFIG:
			return ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE;
		case OC_ERR_AUTH:
		case OC_ERR_UNAUTHORIZED:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case OC_ERR_FORBIDDEN:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case OC_ERR_NETWORK:
		case OC_ERR_TIMEOUT:
			return ERRCODE_CONNECTION_FAILURE;
		case OC_ERR_CANCELLED:
			return ERRCODE_QUERY_CANCELED;
		case OC_ERR_PARSE:
			return ERRCODE_FDW_INVALID_DATA_TYPE;
		case OC_ERR_NOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case OC_ERR_LIMIT:
			return ERRCODE_FDW_ERROR;	/* a reply past the client's bounds */
		default:
			return ERRCODE_FDW_ERROR;
	}
}

/* What to check after a transport failure, or NULL */
static const char *
network_hint(const oc_error *err)
{
	switch (err->net_cause)
	{
		case OC_NET_RESOLVE:
			return "Check the host name in org_url (https://<org>.okta.com, .oktapreview.com, .okta-emea.com, or the org's custom domain) and that the database server can resolve it; where only a proxy can reach the Internet, set the server option proxy.";
		case OC_NET_CONNECT:
			return "Check that the database server may open outbound HTTPS connections (TCP port 443, or org_url's port) to the org's host; where they must go through a proxy, set the server option proxy, e.g. ALTER SERVER ... OPTIONS (ADD proxy 'http://proxy.example.com:3128').";
		case OC_NET_PROXY:
			return "Check the server option proxy: the database server could not reach that proxy, or the proxy would not open a connection to the org's host on port 443.";
		case OC_NET_TLS:
			return "The org's TLS certificate was not trusted (ca_file when the server sets it, else the system's trust store). When a TLS-inspecting proxy or a self-signed or private CA's certificate is in the way, give that CA's PEM certificate in the server option ca_file, e.g. ALTER SERVER ... OPTIONS (ADD ca_file '/etc/ssl/certs/corp-ca.pem').";
		case OC_NET_CA_FILE:
			return "The server option ca_file must name a file of PEM CA certificates that the database server's operating-system user can read.";
		case OC_NET_OTHER:
			break;
	}
	return NULL;
}

const char *
okta_error_hint(const oc_error *err)
{
	if (err->kind == OC_ERR_NETWORK || err->kind == OC_ERR_TIMEOUT)
		return network_hint(err);
	if (err->api_token)
		return "Check the token in the Okta Admin Console (Security > API > Tokens): a token expires after 30 days unused and stops working when the admin who made it is deactivated. Put a new one in with ALTER USER MAPPING FOR CURRENT_USER SERVER ... OPTIONS (SET api_token '...').";
	if (strcmp(err->code, "invalid_client") == 0)
		return "Check that client_id is the API Services app's client id, that the key's public half is registered on the app (with key_id as its kid), and that org_url is the org the app belongs to.";
	if (strcmp(err->code, "invalid_scope") == 0)
		return "Grant the scopes (okta.users.read, okta.groups.read) to the app in the Okta Admin Console, or change the server's scopes option.";
	if (strcmp(err->code, "invalid_dpop_proof") == 0 && strstr(err->detail, "missing"))
		return "The app requires DPoP: leave the server option dpop at auto or set it to on.";
	if (strcmp(err->code, "invalid_dpop_proof") == 0 || strcmp(err->code, "use_dpop_nonce") == 0)
		return "Okta refused the DPoP proof; proofs carry the current time, so check the database server's clock.";
	if (strcmp(err->code, "E0000006") == 0 || strcmp(err->code, "insufficient_scope") == 0)
		return "Assign an admin role (e.g. Read-only Administrator) to the app and grant it the okta.users.read and okta.groups.read scopes.";
	if (strcmp(err->code, "E0000011") == 0 || strcmp(err->code, "invalid_token") == 0)
		return "Okta refused an access token it had just issued: check in the Okta Admin Console that the API Services app is still active; if it is, try again later.";
	return NULL;
}

/* errdetail: what Okta answered, or what the transport said */
static int
okta_error_detail(const oc_error *err)
{
	StringInfoData buf;
	size_t		n = strlen(err->detail);

	if (err->http_status == 0 || err->kind == OC_ERR_NETWORK || err->kind == OC_ERR_TIMEOUT)
		return err->detail[0] ? errdetail("%s", err->detail) : 0;
	initStringInfo(&buf);
	appendStringInfo(&buf, "Okta answered HTTP %ld", err->http_status);
	if (err->code[0])
		appendStringInfo(&buf, " %s", err->code);
	if (err->detail[0])
		appendStringInfo(&buf, ": %s", err->detail);
	if (err->error_id[0])
		appendStringInfo(&buf, " (errorId %s)", err->error_id);
	if (!(err->detail[0] && !err->error_id[0] && n > 0 && err->detail[n - 1] == '.'))
		appendStringInfoChar(&buf, '.');
	return errdetail("%s", buf.data);
}

/* errcontext of a wait on a rate limit that was interrupted */
static void
rate_wait_context(void *arg)
{
	errcontext("waiting for Okta's rate limit (bucket %s)", (const char *) arg);
}

/*
 * Raise the client layer's error as a PostgreSQL error.  Called only after
 * the client layer has returned: no library frame is on the stack.
 */
void
okta_report_error(oc_error *err, const char *what)
{
	okta_report_error_hint(err, what, NULL);
}

/* okta_report_error, with this hint instead of the usual one (if not NULL) */
void
okta_report_error_hint(oc_error *err, const char *what, const char *hint)
{

	if (err->kind == OC_ERR_CANCELLED)
	{
		ErrorContextCallback rate_cb;

		/* a cancel, statement_timeout or shutdown: say what it waited on */
		if (err->rate_bucket[0])
		{
			rate_cb.callback = rate_wait_context;
			rate_cb.arg = err->rate_bucket;
			rate_cb.previous = error_context_stack;
			error_context_stack = &rate_cb;
		}
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));
	}
	if (hint == NULL)
		hint = okta_error_hint(err);
	ereport(ERROR,
			(errcode(errcode_for(err)),
			 errmsg("%s", err->message),
			 okta_error_detail(err),
			 hint ? errhint("%s", hint) : 0,
			 err->path[0]
			 ? errcontext("Okta request %s %s%s%s%s", err->method, err->path,
						  err->request_id[0] ? " (X-Okta-Request-Id " : "",
						  err->request_id,
						  err->request_id[0] ? ")" : "")
			 : (what ? errcontext("%s", what) : 0)));
	pg_unreachable();
}
