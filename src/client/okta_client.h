/*
 * okta_client.h
 *      The Okta client layer: HTTPS transport (libcurl multi), client
 *      assertion and DPoP signing (OpenSSL), token cache, retries and rate
 *      limits, pagination, and page parsing by the project's JSON tape
 *      (jtape.c).  json-c builds the JWTs' JSON and reads token replies and
 *      the user schema (oc_page_item); it is also the fuzzers' oracle for
 *      the tape.
 *
 * Plain C99.  Nothing here includes PostgreSQL headers, so the layer can be
 * unit-tested, fuzzed and run under valgrind outside the server.  Failures
 * are reported through oc_error; no function here ever longjmps.  Memory is
 * malloc'd; every object has a matching free function that accepts NULL.
 */
#ifndef OKTA_CLIENT_H
#define OKTA_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

#define OKTAFDW_VERSION_STR "0.2.0"

/* ---------- errors ---------- */

typedef enum oc_errkind
{
	OC_OK = 0,
	OC_ERR_CONFIG,				/* bad option value (url, key, ...) */
	OC_ERR_AUTH,				/* token request refused */
	OC_ERR_UNAUTHORIZED,		/* 401 from a resource endpoint */
	OC_ERR_FORBIDDEN,			/* 403 */
	OC_ERR_NOT_FOUND,			/* 404 */
	OC_ERR_RATE_LIMIT,			/* 429 after max_retries */
	OC_ERR_SERVER,				/* 5xx after max_retries */
	OC_ERR_HTTP,				/* any other unexpected status */
	OC_ERR_NETWORK,				/* connect/TLS/transfer failure */
	OC_ERR_TIMEOUT,				/* timeout_ms exceeded */
	OC_ERR_CANCELLED,			/* the wait hook asked to stop */
	OC_ERR_PARSE,				/* a reply that is not what Okta sends */
	OC_ERR_NOMEM,
	OC_ERR_LIMIT				/* a reply beyond the client's bounds (size,
								 * values, bytes in flight) */
} oc_errkind;

/*
 * What a transport failure (OC_ERR_NETWORK, OC_ERR_TIMEOUT) was, so that a
 * caller can say what to check; OC_NET_OTHER for anything else.
 */
typedef enum oc_netcause
{
	OC_NET_OTHER = 0,
	OC_NET_RESOLVE,				/* the org's host name did not resolve */
	OC_NET_CONNECT,				/* no connection to the org: refused,
								 * unreachable, or connect_timeout_ms */
	OC_NET_PROXY,				/* the proxy option's proxy failed */
	OC_NET_TLS,					/* the org's certificate was not trusted */
	OC_NET_CA_FILE				/* ca_file could not be read as PEM */
} oc_netcause;

typedef struct oc_error
{
	oc_errkind	kind;
	long		http_status;	/* last HTTP status, 0 if none */
	int			retries;		/* retries spent on the failing request */
	char		message[256];	/* lower-case, no secrets */
	char		detail[1024];	/* Okta's errorSummary / error_description */
	char		code[64];		/* errorCode (E0000011) or OAuth error */
	char		error_id[96];	/* Okta's errorId */
	char		request_id[96]; /* X-Okta-Request-Id */
	char		method[8];
	char		path[512];		/* request path, no query */
	oc_netcause net_cause;		/* a transport failure: what failed */
	int			api_token;		/* the refused request carried the API token */
	char		rate_bucket[16];	/* OC_ERR_CANCELLED while waiting on a
									 * bucket's rate limit: its name, else "" */
} oc_error;

extern void oc_error_clear(oc_error *err);
extern const char *oc_errkind_name(oc_errkind kind);

/* ---------- configuration ---------- */

typedef enum oc_dpop_mode
{
	OC_DPOP_AUTO = 0,
	OC_DPOP_ON,
	OC_DPOP_OFF
} oc_dpop_mode;

typedef struct oc_config
{
	const char *org_url;		/* https://host[:port], no path */
	const char *ca_file;		/* NULL: system trust store */
	const char *proxy;			/* NULL: no proxy (the environment's is not used) */
	const char *scopes;			/* NULL: okta.users.read okta.groups.read */
	long		timeout_ms;
	long		connect_timeout_ms;
	int			max_retries;
	oc_dpop_mode dpop;
	/* exactly one credential kind */
	const char *client_id;
	const char *private_key_pem;
	const char *key_id;			/* may be NULL */
	const char *api_token;
} oc_config;

#define OC_DEFAULT_SCOPES "okta.users.read okta.groups.read"
/*
 * What a server can make the client hold.  One reply body: far above any
 * real Okta page (1000 System Log events are a few MB).  The bodies of all
 * the client's transfers at once, in flight or not parsed yet (a fan-out
 * keeps up to max_concurrency listings going, each with a page waiting and
 * one in flight: 32 x 2 pages of 200 users are some tens of MB).  One
 * page's JSON tape (20 bytes a value, so at most 40 MiB, whatever the body:
 * a users page of 200 has some 20,000 values, 1000 System Log events some
 * 150,000).
 */
#define OC_MAX_BODY_BYTES (32L * 1024 * 1024)
#define OC_MAX_INFLIGHT_BYTES (64L * 1024 * 1024)
#define OC_JSON_MAX_NODES (2L * 1024 * 1024)

/*
 * Check an org URL: https://host[:port] (a trailing '/' is allowed); http
 * only for loopback hosts.  Returns 0, or -1 with a message in errbuf.
 */
extern int	oc_check_org_url(const char *url, char *errbuf, size_t errlen);

/*
 * Is a (valid) org URL the Admin Console's, https://acme-admin.okta.com
 * rather than https://acme.okta.com?  Only an "-admin" first label on
 * Okta's own domains (okta.com, oktapreview.com, okta-emea.com,
 * okta-gov.com) counts: a custom domain may be named anything.  Returns 1
 * with the org's URL in fixed, else 0.
 */
extern int	oc_org_url_is_admin_console(const char *url, char *fixed, size_t fixedlen);

/*
 * Check a proxy URL: http://, https:// or socks5h:// (the proxy resolves the
 * name), a host, an optional port, nothing after.  Returns 0, or -1 with a
 * message in errbuf (that does not quote the URL: it may hold a password).
 */
extern int	oc_check_proxy_url(const char *url, char *errbuf, size_t errlen);

/*
 * Does s hold a control character (a byte below 0x20, or DEL 0x7f)?  Such a
 * value never goes into a request header (the request fails with
 * OC_ERR_CONFIG), and the option validator refuses it.
 */
extern int	oc_has_control_char(const char *s);

/*
 * Check that a PEM text holds a usable private key (RSA >= 2048 bits or EC
 * P-256, not encrypted).  Returns 0, or -1 with a message and a hint.
 */
extern int	oc_check_private_key(const char *pem, char *errbuf, size_t errlen,
								 char *hintbuf, size_t hintlen);

/* ---------- the client ---------- */

typedef struct oc_client oc_client;

/*
 * How the client waits.  The client never blocks on its own when a hook is
 * set: it hands the sockets it waits on and a timeout (ms) to the hook.
 * nfds may be 0 (a plain sleep).  The hook returns 0 to go on, non-zero to
 * abandon the request (OC_ERR_CANCELLED).
 */
#define OC_WAIT_READ	1
#define OC_WAIT_WRITE	2
typedef struct oc_waitfd
{
	int			fd;
	int			events;
} oc_waitfd;
typedef int (*oc_wait_fn) (void *arg, const oc_waitfd *fds, int nfds,
						   long timeout_ms);

typedef struct oc_stats
{
	uint64_t	requests;
	uint64_t	pages;
	uint64_t	rows;
	uint64_t	bytes;
	uint64_t	retries;
	uint64_t	throttled_ms;
	uint64_t	errors;
	uint64_t	token_requests;
} oc_stats;

extern oc_client *oc_client_create(const oc_config *cfg, oc_error *err);
extern void oc_client_destroy(oc_client *c);
extern void oc_client_set_wait(oc_client *c, oc_wait_fn fn, void *arg);
/*
 * How many times a transient failure (a transport failure, 429, 5xx) is
 * tried again from now on; returns what it was.  okta_check() tries once.
 */
extern int	oc_client_set_max_retries(oc_client *c, int max_retries);
/* forget the cached access token (and DPoP nonce) */
extern void oc_client_reset_token(oc_client *c);
/* "private_key_jwt", "private_key_jwt+dpop" or "api_token" */
extern const char *oc_client_auth_method(const oc_client *c);
extern const oc_stats *oc_client_stats(const oc_client *c);
/* make sure a usable access token is cached; 0 or -1 */
extern int	oc_client_authenticate(oc_client *c, oc_error *err);
/* seconds until the cached token expires, -1 if none */
extern long oc_client_token_expires_in(const oc_client *c);
extern const char *oc_client_granted_scopes(const oc_client *c);
/* the last X-Rate-Limit-Remaining seen (any bucket), -1 if none */
extern long oc_client_rate_remaining(const oc_client *c);

/* ---------- rate limits (rate.c) ---------- */

/*
 * Okta counts requests in buckets (okta-api.md section 8), each with its
 * own Limit, Remaining and Reset.  oc_bucket_of is the one map from a
 * request to its bucket.
 */
typedef enum oc_bucket
{
	OC_BUCKET_TOKEN = 0,		/* /oauth2/v1/token */
	OC_BUCKET_USERS,			/* /api/v1/users */
	OC_BUCKET_USER,				/* /api/v1/users/{id} */
	OC_BUCKET_GROUPS,			/* /api/v1/groups */
	OC_BUCKET_GROUP,			/* /api/v1/groups/{id} */
	OC_BUCKET_GROUP_MEMBERS,	/* /api/v1/groups/{id}/users */
	OC_BUCKET_APPS,				/* /api/v1/apps... */
	OC_BUCKET_LOGS,				/* /api/v1/logs */
	OC_BUCKET_OTHER,			/* anything else */
	OC_NBUCKETS
} oc_bucket;

/* url: absolute, or a path (with or without its query) */
extern oc_bucket oc_bucket_of(const char *method, const char *url);
extern const char *oc_bucket_name(oc_bucket b);

/* requests an org may have in flight at once (Okta: 75; Integrator Free 35) */
#define OC_ORG_CONCURRENCY 75

/*
 * An org's budget: plain data (no pointers), so that it can live in shared
 * memory and be run by oc_rate_admit/oc_rate_done under a lock for many
 * processes.  Times are ms since the epoch on our clock.
 */
typedef struct oc_rate_bucket
{
	long		limit;			/* X-Rate-Limit-Limit, -1 unknown */
	long		used;			/* admitted in this window */
	long		counted;		/* Limit - Remaining: Okta's count, highest */
	int64_t		window_end;		/* X-Rate-Limit-Reset, our clock; 0 unknown */
	int64_t		paused_until;	/* after a 429: its Reset */
	int64_t		next_send;		/* the last tenth, spread */
	int64_t		sent;			/* requests admitted (the last ticket) */
	int			inflight;		/* admitted, not over */
} oc_rate_bucket;

typedef struct oc_rate_org
{
	int			inflight;		/* every bucket's */
	int			max_inflight;
	int			has_skew;
	long		skew;			/* our clock minus Okta's Date, seconds */
	oc_rate_bucket b[OC_NBUCKETS];
} oc_rate_org;

/* what a reply said (status 0: no reply came); -1 for a header not sent */
typedef struct oc_rate_reply
{
	long		status;
	long		limit;
	long		remaining;
	long		reset;			/* X-Rate-Limit-Reset, epoch seconds */
	long		date;			/* Date, epoch seconds */
} oc_rate_reply;

extern void oc_rate_org_init(oc_rate_org *o, int max_inflight);
/* what the bucket may still send this window, -1 when not known */
extern long oc_rate_left(const oc_rate_bucket *bk);
/*
 * Before a request of bucket b is sent: 0 when it may go now (it is then
 * counted, *ticket names it), else how many ms to wait before asking again.
 */
extern long oc_rate_admit(oc_rate_org *o, oc_bucket b, int64_t now_ms,
						  int64_t *ticket);
/*
 * The request admitted as ticket is over: sent (it went out; else it is
 * given back), and its reply r (NULL or status 0: none came).
 */
extern void oc_rate_done(oc_rate_org *o, oc_bucket b, int64_t ticket, int sent,
						 const oc_rate_reply *r, int64_t now_ms);
extern int64_t oc_now_ms(void);

/*
 * Where a client keeps its budget.  Without hooks: in the client, shared by
 * its cursors.  With hooks (the PostgreSQL side: one budget per org in
 * shared memory), admit and done run the rule above on the org's state;
 * they must not fail or jump (a ticket of 0 from admit is not counted).
 */
typedef struct oc_rate_hooks
{
	long		(*admit) (void *arg, const char *org_url, oc_bucket b,
						  int64_t now_ms, int64_t *ticket);
	void		(*done) (void *arg, const char *org_url, oc_bucket b,
						 int64_t ticket, int sent, const oc_rate_reply *r,
						 int64_t now_ms);
	void	   *arg;
	/*
	 * optional: a copy of the bucket's state (for oc_client_waiting); 0, or
	 * -1 when the org has none
	 */
	int			(*peek) (void *arg, const char *org_url, oc_bucket b,
						 oc_rate_bucket *out);
} oc_rate_hooks;

extern void oc_client_set_rate_hooks(oc_client *c, const oc_rate_hooks *hooks);

/*
 * What the client waits for while it waits (asked by a wait hook, or after
 * the fact): a reply, a bucket's rate limit (its budget is spent, or a 429
 * said to wait until its Reset), or a pause before sending again after a
 * failure (5xx, a broken connection).
 */
typedef enum oc_waitkind
{
	OC_WAITING_REPLY = 0,		/* transfers in flight */
	OC_WAITING_RATE,			/* a bucket's rate limit */
	OC_WAITING_RETRY			/* a backoff after a transient failure */
} oc_waitkind;

typedef struct oc_wait_info
{
	oc_waitkind kind;
	oc_bucket	bucket;			/* OC_WAITING_RATE: whose */
	long		limit;			/* its Limit, -1 unknown */
	long		left;			/* what it may still send this window, -1
								 * unknown */
	int64_t		until_ms;		/* when it may send again (ms since the
								 * epoch, our clock) */
	int64_t		since_ms;		/* when this wait began */
} oc_wait_info;

/* what the client waits for now (OC_WAITING_REPLY when not waiting) */
extern void oc_client_waiting(const oc_client *c, oc_wait_info *w);
/* its last wait on a rate limit (kind OC_WAITING_REPLY if none yet) */
extern void oc_client_last_rate_wait(const oc_client *c, oc_wait_info *w);

/* ---------- JSON as a tape (jtape.c) ---------- */

/*
 * A parsed JSON text is an array of nodes, one per value (object keys
 * included), in document order.  Node i's subtree is i .. end-1.  The
 * children of an array are i+1, then each next one at the previous one's
 * end; the members of an object are key k (a string node) and value k+1,
 * the next key at nodes[k+1].end.  Node 0 is the root, never a member, so
 * 0 can mean "absent".  Strings point into the text (between the quotes,
 * still escaped if `escaped`).
 */
typedef enum oc_jtype
{
	OC_JNULL = 0,
	OC_JFALSE,
	OC_JTRUE,
	OC_JNUMBER,
	OC_JSTRING,
	OC_JARRAY,
	OC_JOBJECT
} oc_jtype;

typedef struct oc_jnode
{
	uint8_t		type;			/* oc_jtype */
	uint8_t		escaped;		/* string: holds backslash escapes */
	uint16_t	spare;
	uint32_t	off;			/* string: after the opening quote; else the
								 * first byte */
	uint32_t	len;			/* string: bytes between the quotes; else the
								 * value's bytes (brackets included) */
	uint32_t	end;			/* one past the subtree */
	uint32_t	count;			/* array elements / object members */
} oc_jnode;

#define OC_JSON_MAX_DEPTH 64
/* oc_json_tape's *why for a text of more than OC_JSON_MAX_NODES values */
#define OC_JSON_TOO_MANY "more values than a page may hold"

/*
 * Parse and validate a JSON text (strict RFC 8259, UTF-8 checked).  Returns
 * a malloc'd tape (*nnodes nodes), or NULL with *why set (static text) and
 * *where (if not NULL) the byte offset where parsing stopped.
 */
extern oc_jnode *oc_json_tape(const char *text, size_t len, uint32_t *nnodes,
							  const char **why, size_t *where);

/*
 * Unescape a validated string's raw bytes into dst, which must have room
 * for len bytes (the result is never longer); dst may be src.  Returns its
 * length; the result may hold NUL bytes (\u0000).  Not NUL-terminated.
 */
extern size_t oc_json_unescape(const char *src, size_t len, char *dst);
/* is key node (unescaped) equal to s?  (keys of any length) */
extern int	oc_json_key_eq(const char *text, const oc_jnode *key,
						   const char *s, size_t n);
/* the value node of an object's member key (the last one), or 0 */
extern uint32_t oc_json_get(const char *text, const oc_jnode *nodes,
							uint32_t obj, const char *key, size_t keylen);

/* ---------- pages and cursors ---------- */

/* one parsed reply: an array of objects, or a single object */
typedef struct oc_page oc_page;

extern size_t oc_page_count(const oc_page *p);
extern size_t oc_page_bytes(const oc_page *p);
/* the page's text and tape, and the node of item i */
extern const char *oc_page_text(const oc_page *p);
extern const oc_jnode *oc_page_nodes(const oc_page *p);
extern uint32_t oc_page_item_node(const oc_page *p, size_t i);
/*
 * Item i as a json-c object (built on first use and kept with the page):
 * for the few callers that want a tree (token replies, schemas).
 */
extern struct json_object *oc_page_item(const oc_page *p, size_t i);
/* pages are reference-counted: oc_page_free drops one reference */
extern oc_page *oc_page_ref(oc_page *p);
extern void oc_page_free(oc_page *p);

/*
 * Parse a reply body into a page.  When want_array is set the body must be a
 * JSON array of objects, else a single object.  Returns NULL with err set.
 */
extern oc_page *oc_page_parse(const char *body, size_t len, int want_array,
							  oc_error *err);

/*
 * A cursor walks a paginated listing (OC_CURSOR_ARRAY) or fetches one
 * object.  path_query is the request target below the org URL, already
 * encoded, e.g. "/api/v1/users?limit=200".  With OC_CURSOR_MISSING_OK a 404
 * is an empty result.  The first request is sent by oc_cursor_start or
 * oc_cursor_next; with OC_CURSOR_PREFETCH, each next page is requested as
 * soon as the previous one has arrived.  Every request is sent again as
 * the client's retry rules say (429, 5xx and network failures up to
 * max_retries, a DPoP nonce, an expired token), and once without `fields`
 * when the org refuses that projection (see oc_cursor_projection_dropped).
 */
typedef struct oc_cursor oc_cursor;

#define OC_CURSOR_ARRAY		1
#define OC_CURSOR_MISSING_OK 2
#define OC_CURSOR_PREFETCH	4
/* ask Okta to leave fields out of user objects (okta-response parameter) */
#define OC_CURSOR_OMIT_CREDENTIALS 8
#define OC_CURSOR_OMIT_TRANSITIONING 16
/*
 * with OC_CURSOR_ARRAY: a page is an object whose "value" array holds the
 * items, its next page's link in _links.next.href (no Link header; the
 * IAM API's listings); no page is fetched ahead
 */
#define OC_CURSOR_VALUE		32

extern oc_cursor *oc_cursor_open(oc_client *c, const char *path_query,
								 int flags);
/*
 * Send the cursor's first request now, without waiting for the reply, so
 * that several cursors can be in flight at once (their transfers all make
 * progress whenever the client waits on any of them).  0 or -1.
 */
extern int	oc_cursor_start(oc_cursor *cur, oc_error *err);
/* 1: *page set (caller frees); 0: no more pages; -1: error */
extern int	oc_cursor_next(oc_cursor *cur, oc_page **page, oc_error *err);
/*
 * Without waiting: has the cursor's reply arrived, so that oc_cursor_next
 * would not wait?  With prefetch on, a page that arrived here is taken in
 * and the next one requested at once, so that a listing whose pages are
 * not being read yet (one of several in flight) keeps going: at most one
 * page waits in the cursor and one is in flight.  1: yes (or the listing
 * is over), 0: not yet, -1: error (only a cancel; anything else shows
 * again at oc_cursor_next).
 */
extern int	oc_cursor_poll(oc_cursor *cur, oc_error *err);
/*
 * Wait (through the wait hook) until some transfer of the client moves,
 * or a while; then oc_cursor_poll tells which.  0, or -1 when cancelled.
 */
extern int	oc_client_wait(oc_client *c, oc_error *err);
extern void oc_cursor_close(oc_cursor *cur);
extern int	oc_cursor_pages(const oc_cursor *cur);
/* requests sent (retries included) and retries, so far */
extern void oc_cursor_stats(const oc_cursor *cur, long *requests, long *retries);
/*
 * What the cursor actually asked Okta for.  oc_cursor_sent_target: the
 * path?query (below the org URL, encoded as sent) of the first request the
 * cursor sent -- its first page's first attempt -- or NULL while none has
 * been sent; valid until the cursor is closed.  oc_cursor_projection_dropped:
 * non-zero once the cursor has sent a request without the `fields`
 * projection it was opened with, because the org refuses projections (a
 * 400 to this cursor's request, or to an earlier cursor's of the client).
 * Either way the rows are the same: they are then read from whole objects.
 */
extern const char *oc_cursor_sent_target(const oc_cursor *cur);
extern int	oc_cursor_projection_dropped(const oc_cursor *cur);

/* ---------- helpers shared with the PostgreSQL side ---------- */

/* growable string */
typedef struct oc_buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	int			failed;			/* out of memory happened */
} oc_buf;

extern void oc_buf_init(oc_buf *b);
extern void oc_buf_append(oc_buf *b, const char *s, size_t n);
extern void oc_buf_puts(oc_buf *b, const char *s);
extern void oc_buf_printf(oc_buf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void oc_buf_free(oc_buf *b);

/*
 * Percent-encode one path segment: everything but RFC 3986 unreserved
 * characters is encoded (sub-delims, ':' and '@' too: ';' starts a servlet
 * stack's path parameter); a segment "." or ".." is encoded whole so it can
 * never walk up the path.
 */
extern void oc_encode_path_segment(oc_buf *b, const char *s);
/* percent-encode a query parameter value (form style, spaces as %20) */
extern void oc_encode_query_value(oc_buf *b, const char *s);
/* percent-decode (no '+' handling); returns malloc'd string or NULL */
extern char *oc_percent_decode(const char *s, size_t len);

/*
 * Append a value as an Okta search/filter string literal: "..." with '"'
 * and '\' escaped.  Returns -1 (and appends nothing) if the value holds a
 * character that cannot be expressed safely (control characters).
 */
extern int	oc_search_quote(oc_buf *b, const char *value);

/*
 * Search/filter expressions.  Constructors take copies of their strings and
 * return NULL when out of memory; oc_search_and/or take ownership of both
 * operands (either may be NULL: the other is returned).  Rendering returns
 * a malloc'd string, or NULL when an attribute or operator is not valid or
 * a value cannot be expressed safely.  quoted = 0 is for numbers and
 * booleans, which must then look like JSON literals.
 */
typedef struct oc_search oc_search;

extern oc_search *oc_search_cmp(const char *attr, const char *op,
								const char *value, int quoted);
extern oc_search *oc_search_pr(const char *attr);
extern oc_search *oc_search_and(oc_search *a, oc_search *b);
extern oc_search *oc_search_or(oc_search *a, oc_search *b);
extern char *oc_search_render(const oc_search *s);
extern void oc_search_free(oc_search *s);

/* base64url without padding */
extern void oc_b64url(oc_buf *b, const unsigned char *data, size_t len);

/* ---------- request.c: request targets ---------- */

/*
 * One request's target (path?query, percent-encoded, for the wire) and its
 * shown form (query values as they are, unknown segments as {name}; for
 * EXPLAIN).  Build with init, then path/segment/unknown in order, then the
 * parameters.  oc_request_target is NULL when a segment is unknown or
 * memory ran out.
 */
typedef struct oc_request
{
	oc_buf		target;
	oc_buf		shown;
	int			nparams;
	int			unknown;
} oc_request;

extern void oc_request_init(oc_request *r, const char *path);
/* a literal piece of path, e.g. "/users" */
extern void oc_request_path(oc_request *r, const char *literal);
/* "/" and a value as one percent-encoded segment */
extern void oc_request_segment(oc_request *r, const char *value);
/* "/" and a segment not known yet, shown as {name} */
extern void oc_request_unknown(oc_request *r, const char *name);
extern void oc_request_param(oc_request *r, const char *name, const char *value);
extern void oc_request_param_int(oc_request *r, const char *name, long value);
/* a parameter whose value is not known yet, shown as {shown} */
extern void oc_request_unknown_param(oc_request *r, const char *name, const char *shown);
extern const char *oc_request_target(const oc_request *r);
extern const char *oc_request_shown(const oc_request *r);
extern int	oc_request_failed(const oc_request *r);
extern void oc_request_free(oc_request *r);

#endif							/* OKTA_CLIENT_H */
