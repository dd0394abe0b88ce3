/*
 * client.c
 *      The Okta client: its life (configuration, credentials, handles) and
 *      cursors over paginated listings.  A cursor sends its requests through
 *      exchange.c, which retries them.
 */
#include "oc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int	curl_ready = 0;

oc_client *
oc_client_create(const oc_config *cfg, oc_error *err)
{
	oc_client  *c;
	char		msg[256];
	char		hint[256];
	size_t		n;

	oc_error_clear(err);
	if (cfg->org_url == NULL || oc_check_org_url(cfg->org_url, msg, sizeof(msg)) < 0)
	{
		oc_set_error(err, OC_ERR_CONFIG, "%s", cfg->org_url ? msg : "org_url is required");
		return NULL;
	}
	if (!curl_ready)
	{
		/*
		 * libcurl (OpenSSL backend) opens the file SSLKEYLOGFILE names at
		 * curl_global_init and writes every TLS session's secrets there:
		 * anyone who can read it decrypts the tokens on the wire.  Drop it
		 * from this process's environment first.  (If another library
		 * already initialised libcurl in this process, the file may be
		 * open already; nothing here can close it.)
		 */
		unsetenv("SSLKEYLOGFILE");
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		{
			oc_set_error(err, OC_ERR_NETWORK, "could not initialize libcurl");
			return NULL;
		}
		curl_ready = 1;
	}
	c = calloc(1, sizeof(oc_client));
	if (c == NULL)
	{
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return NULL;
	}
	n = strlen(cfg->org_url);
	while (n > 0 && cfg->org_url[n - 1] == '/')
		n--;
	c->org_url = oc_strndup(cfg->org_url, n);
	if (c->org_url)
	{
		oc_buf		b;

		oc_buf_init(&b);
		oc_buf_puts(&b, c->org_url);
		oc_buf_puts(&b, "/oauth2/v1/token");
		c->token_url = oc_buf_take(&b);
	}
	c->ca_file = cfg->ca_file ? oc_strdup(cfg->ca_file) : NULL;
	c->proxy = cfg->proxy ? oc_strdup(cfg->proxy) : NULL;
	c->scopes = oc_strdup(cfg->scopes ? cfg->scopes : OC_DEFAULT_SCOPES);
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	c->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 5;
	/*
	 * 'auto' sends a proof from the first token request too, and the reply's
	 * token_type decides (okta-api.md 2): asking without one first would
	 * cost a DPoP-requiring app a failed grant in its System Log per backend
	 */
	c->use_dpop = cfg->dpop != OC_DPOP_OFF;
	oc_rate_org_init(&c->rate, OC_ORG_CONCURRENCY);
	c->last_remaining = -1;
	c->max_inflight = (size_t) OC_MAX_INFLIGHT_BYTES;
	c->multi = curl_multi_init();
	/*
	 * The multi handle shares connections between transfers; the share
	 * handle adds TLS sessions and DNS answers, so that a new connection
	 * (a fan-out's second, or one after the server closed ours) resumes
	 * the TLS session instead of a full handshake.
	 */
	c->share = curl_share_init();
	if (c->share)
	{
		curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
		curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	}
	if (c->org_url == NULL || c->token_url == NULL || c->scopes == NULL ||
		c->multi == NULL || c->share == NULL || (cfg->ca_file && c->ca_file == NULL) ||
		(cfg->proxy && c->proxy == NULL))
	{
		oc_client_destroy(c);
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return NULL;
	}

	if (cfg->api_token)
	{
		if (*cfg->api_token == '\0')
		{
			oc_client_destroy(c);
			oc_set_error(err, OC_ERR_CONFIG, "api_token is empty");
			return NULL;
		}
		if (cfg->client_id || cfg->private_key_pem)
		{
			oc_client_destroy(c);
			oc_set_error(err, OC_ERR_CONFIG, "give either api_token or client_id with a private key, not both");
			return NULL;
		}
		c->api_token = oc_strdup(cfg->api_token);
		if (c->api_token == NULL)
		{
			oc_client_destroy(c);
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
			return NULL;
		}
	}
	else
	{
		if (cfg->client_id == NULL || cfg->private_key_pem == NULL ||
			*cfg->client_id == '\0')
		{
			oc_client_destroy(c);
			oc_set_error(err, OC_ERR_CONFIG, "client_id and a private key are required");
			return NULL;
		}
		c->client_id = oc_strdup(cfg->client_id);
		c->key_id = cfg->key_id ? oc_strdup(cfg->key_id) : NULL;
		if (c->client_id == NULL || (cfg->key_id && c->key_id == NULL))
		{
			oc_client_destroy(c);
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
			return NULL;
		}
		c->key = oc_key_load(cfg->private_key_pem, msg, sizeof(msg), hint, sizeof(hint));
		if (c->key == NULL)
		{
			oc_client_destroy(c);
			oc_set_error(err, OC_ERR_CONFIG, "%s", msg);
			oc_copy(err->detail, sizeof(err->detail), hint);
			return NULL;
		}
	}
	return c;
}

void
oc_client_destroy(oc_client *c)
{
	if (c == NULL)
		return;
	oc_client_reset_token(c);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	/* after the multi handle: its cached connections may hold sessions */
	if (c->share)
		curl_share_cleanup(c->share);
	if (c->key)
		EVP_PKEY_free(c->key);
	if (c->dpop_key)
		EVP_PKEY_free(c->dpop_key);
	if (c->dpop_jwk)
		json_object_put(c->dpop_jwk);
	if (c->api_token)
	{
		memset(c->api_token, 0, strlen(c->api_token));
		free(c->api_token);
	}
	free(c->org_url);
	free(c->token_url);
	free(c->ca_file);
	free(c->proxy);
	free(c->scopes);
	free(c->client_id);
	free(c->key_id);
	free(c);
}

void
oc_client_set_wait(oc_client *c, oc_wait_fn fn, void *arg)
{
	c->wait_fn = fn;
	c->wait_arg = arg;
}

int
oc_client_set_max_retries(oc_client *c, int max_retries)
{
	int			was = c->max_retries;

	c->max_retries = max_retries < 0 ? 0 : max_retries;
	return was;
}

const oc_stats *
oc_client_stats(const oc_client *c)
{
	return &c->stats;
}

long
oc_client_rate_remaining(const oc_client *c)
{
	return c->last_remaining;
}

/* ---------- query parameters ---------- */

/* the length of a query parameter's name at p (up to '=', '&' or the end) */
static size_t
param_name_len(const char *p, const char *end)
{
	size_t		n = 0;

	while (p + n < end && p[n] != '=' && p[n] != '&')
		n++;
	return n;
}

/* the query of a URL: [*start, *end), or 0 when it has none */
static int
url_query(const char *url, const char **start, const char **end)
{
	const char *q = strchr(url, '?');
	const char *hash = strchr(url, '#');

	if (q == NULL || (hash && hash < q))
		return 0;
	*start = q + 1;
	*end = hash ? hash : q + strlen(q);
	return 1;
}

/* Does the URL's query hold a parameter `name` (name=value or bare)? */
int
oc_url_has_param(const char *url, const char *name)
{
	const char *p,
			   *end;
	size_t		n = strlen(name);

	if (url == NULL || !url_query(url, &p, &end))
		return 0;
	while (p < end)
	{
		const char *amp = memchr(p, '&', (size_t) (end - p));

		if (param_name_len(p, end) == n && strncmp(p, name, n) == 0)
			return 1;
		p = amp ? amp + 1 : end;
	}
	return 0;
}

/*
 * The URL with every parameter `name` left out of its query (and the '?'
 * too when nothing is left).  malloc'd; NULL when out of memory.
 */
char *
oc_url_without_param(const char *url, const char *name)
{
	const char *p,
			   *end;
	size_t		n = strlen(name);
	oc_buf		b;
	int			kept = 0;

	if (!url_query(url, &p, &end))
		return oc_strdup(url);
	oc_buf_init(&b);
	oc_buf_append(&b, url, (size_t) (p - 1 - url));
	while (p < end)
	{
		const char *amp = memchr(p, '&', (size_t) (end - p));
		const char *stop = amp ? amp : end;

		if (stop > p && !(param_name_len(p, end) == n && strncmp(p, name, n) == 0))
		{
			oc_buf_puts(&b, kept ? "&" : "?");
			oc_buf_append(&b, p, (size_t) (stop - p));
			kept = 1;
		}
		p = amp ? amp + 1 : end;
	}
	oc_buf_puts(&b, end);
	return oc_buf_take(&b);
}

/* ---------- cursors ---------- */

struct oc_cursor
{
	oc_client  *c;
	int			flags;
	char	   *next_url;		/* next page to request, NULL at the end */
	oc_exchange ex;				/* the request for next_url: ex.x is in
								 * flight, or its reply */
	oc_xfer    *ready;			/* a good reply not parsed yet (prefetch);
								 * next_url and ex.x are past it */
	int			pages;
	int			fields_dropped; /* asked again without `fields` after a 400 */
	int			fields_removed; /* `fields` taken out of next_url (for any
								 * reason) ... */
	long		removed_at;		/* ... when ex.requests was this */
	char	   *sent_target;	/* path?query of the first request sent */
	/* the URLs this listing has asked for (a set of hashes; see link_seen) */
	uint64_t   *seen;
	size_t		nseen;
	size_t		seen_cap;		/* a power of two, 0 while empty */
};

/*
 * A server whose next-page link leads back to a page already read would
 * keep a scan going for ever (same origin, so allowed otherwise): the
 * cursor keeps a set of the URLs it has been sent to, as 64-bit FNV-1a
 * hashes (open addressing; 0 stands for an empty slot).  Two URLs of one
 * listing that hash alike are, at some thousand pages, a chance of one in
 * 10^13: a false alarm is no practical worry.
 */
static uint64_t
url_hash(const char *url)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *url; url++)
		h = (h ^ (unsigned char) *url) * 1099511628211ULL;
	return h ? h : 1;
}

/* is url in the set? */
static int
link_seen(const oc_cursor *cur, const char *url)
{
	uint64_t	h = url_hash(url);
	size_t		i;

	if (cur->seen_cap == 0)
		return 0;
	for (i = (size_t) h & (cur->seen_cap - 1); cur->seen[i] != 0;
		 i = (i + 1) & (cur->seen_cap - 1))
		if (cur->seen[i] == h)
			return 1;
	return 0;
}

/* add url to the set (kept at most half full); 0 or -1 (out of memory) */
static int
link_add(oc_cursor *cur, const char *url)
{
	uint64_t	h = url_hash(url);
	size_t		i;

	if ((cur->nseen + 1) * 2 > cur->seen_cap)
	{
		size_t		ncap = cur->seen_cap ? cur->seen_cap * 2 : 16;
		uint64_t   *ns = calloc(ncap, sizeof(uint64_t));

		if (ns == NULL)
			return -1;
		for (i = 0; i < cur->seen_cap; i++)
		{
			size_t		j;

			if (cur->seen[i] == 0)
				continue;
			for (j = (size_t) cur->seen[i] & (ncap - 1); ns[j] != 0; j = (j + 1) & (ncap - 1))
				;
			ns[j] = cur->seen[i];
		}
		free(cur->seen);
		cur->seen = ns;
		cur->seen_cap = ncap;
	}
	for (i = (size_t) h & (cur->seen_cap - 1); cur->seen[i] != 0;
		 i = (i + 1) & (cur->seen_cap - 1))
		if (cur->seen[i] == h)
			return 0;
	cur->seen[i] = h;
	cur->nseen++;
	return 0;
}

/*
 * Okta's `fields` projection (user listings) is in its API description, but
 * not every org may accept it.  A 400 to a request that carries `fields` is
 * answered by asking again for whole objects (always correct: rows read
 * their fields by name); when that works, the org refuses projections, and
 * the client leaves `fields` out of every later request.
 */
static int
cursor_drop_fields(oc_cursor *cur)
{
	char	   *plain;

	if (!oc_url_has_param(cur->next_url, "fields"))
		return 0;
	plain = oc_url_without_param(cur->next_url, "fields");
	if (plain == NULL)
		return -1;
	free(cur->next_url);
	cur->next_url = plain;
	if (!cur->fields_removed)
	{
		cur->fields_removed = 1;
		cur->removed_at = cur->ex.requests;
	}
	return 1;
}

/*
 * After a reply with this status: 1 when it refused a projection and the
 * cursor's request is now the same without `fields` (ask again), 0 when
 * not, -1 when out of memory.
 */
int
oc_cursor_projection_refused(oc_cursor *cur, long status)
{
	int			r;

	if (status != 400 || cur->fields_dropped)
		return 0;
	r = cursor_drop_fields(cur);
	if (r > 0)
		cur->fields_dropped = 1;
	return r;
}

/* After a good reply: a request that worked only without `fields` tells. */
void
oc_cursor_reply_ok(oc_cursor *cur)
{
	if (cur->fields_dropped)
		cur->c->fields_refused = 1;
}

/* the URL the cursor asks for next (NULL at the end) */
const char *
oc_cursor_target(const oc_cursor *cur)
{
	return cur->next_url;
}

int
oc_cursor_projection_dropped(const oc_cursor *cur)
{
	return cur != NULL && cur->fields_removed && cur->ex.requests > cur->removed_at;
}

const char *
oc_cursor_sent_target(const oc_cursor *cur)
{
	return cur ? cur->sent_target : NULL;
}

oc_cursor *
oc_cursor_open(oc_client *c, const char *path_query, int flags)
{
	oc_cursor  *cur = calloc(1, sizeof(oc_cursor));
	const char *omit = NULL;
	oc_buf		b;

	if (cur == NULL)
		return NULL;
	/* smaller pages: Okta's documented speed-up for user listings */
	if (flags & OC_CURSOR_OMIT_CREDENTIALS)
		omit = (flags & OC_CURSOR_OMIT_TRANSITIONING)
			? "Content-Type: application/json; okta-response=\"omitCredentials,omitCredentialsLinks,omitTransitioningToStatus\""
			: "Content-Type: application/json; okta-response=\"omitCredentials,omitCredentialsLinks\"";
	oc_exchange_init(&cur->ex, c, 0, omit);
	cur->c = c;
	cur->flags = flags;
	oc_buf_init(&b);
	oc_buf_puts(&b, c->org_url);
	oc_buf_puts(&b, path_query);
	cur->next_url = oc_buf_take(&b);
	if (cur->next_url == NULL || link_add(cur, cur->next_url) < 0 ||
		(c->fields_refused && cursor_drop_fields(cur) < 0))
	{
		free(cur->next_url);
		free(cur->seen);
		free(cur);
		return NULL;
	}
	return cur;
}

void
oc_cursor_close(oc_cursor *cur)
{
	if (cur == NULL)
		return;
	oc_exchange_drop(&cur->ex);
	oc_xfer_free(cur->c, cur->ready);
	free(cur->next_url);
	free(cur->sent_target);
	free(cur->seen);
	free(cur);
}

int
oc_cursor_pages(const oc_cursor *cur)
{
	return cur ? cur->pages : 0;
}

void
oc_cursor_stats(const oc_cursor *cur, long *requests, long *retries)
{
	*requests = cur ? cur->ex.requests : 0;
	*retries = cur ? cur->ex.retries : 0;
}

/* Send a GET for cur->next_url; its transfer is cur->ex.x. */
static int
send_request(oc_cursor *cur, oc_error *err)
{
	/* the org refused a projection since this cursor was opened */
	if (cur->c->fields_refused && cursor_drop_fields(cur) < 0)
	{
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return -1;
	}
	if (oc_exchange_send(&cur->ex, cur->next_url, err) < 0)
		return -1;
	if (cur->sent_target == NULL)
	{
		/* no copy (out of memory) only leaves it unknown */
		cur->sent_target = oc_strdup(oc_url_path_start(cur->next_url));
	}
	return 0;
}

static int
same_origin(const char *org_url, const char *url)
{
	size_t		n = strlen(org_url);

	return strncasecmp(url, org_url, n) == 0 && url[n] == '/';
}

/*
 * What is wrong with a good reply's next-page link: 0 nothing (or none),
 * 1 it leads to another origin, 2 to a page this listing has asked for.
 */
static int
next_link_problem(const oc_cursor *cur, const oc_xfer *x)
{
	if (!(cur->flags & OC_CURSOR_ARRAY) || x->resp.next_url == NULL)
		return 0;
	if (!same_origin(cur->c->org_url, x->resp.next_url))
		return 1;
	return link_seen(cur, x->resp.next_url) ? 2 : 0;
}

int
oc_cursor_start(oc_cursor *cur, oc_error *err)
{
	oc_error_clear(err);
	if (cur->next_url == NULL || cur->ex.x != NULL)
		return 0;
	return send_request(cur, err);
}

/*
 * x is a good reply for next_url: move the cursor past it (its next link
 * becomes next_url) and, with prefetch, send the next request now, before
 * the page is parsed.  0 or -1 (x is then still the caller's).
 */
static int
advance(oc_cursor *cur, oc_xfer *x, oc_error *err)
{
	free(cur->next_url);
	cur->next_url = NULL;
	if (cur->ex.x == x)
		cur->ex.x = NULL;
	if ((cur->flags & OC_CURSOR_ARRAY) && x->resp.next_url)
	{
		int			problem = next_link_problem(cur, x);

		if (problem)
		{
			oc_set_error(err, OC_ERR_PARSE, problem == 1
						 ? "Okta sent a next-page link to another origin"
						 : "Okta sent a next-page link to a page already read");
			oc_copy(err->method, sizeof(err->method), "GET");
			oc_url_path(x->url, err->path, sizeof(err->path));
			oc_copy_printable(err->request_id, sizeof(err->request_id),
							  x->resp.request_id, strlen(x->resp.request_id));
			return -1;
		}
		cur->next_url = oc_strdup(x->resp.next_url);
		if (cur->next_url == NULL || link_add(cur, cur->next_url) < 0)
		{
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
			return -1;
		}
	}
	if (cur->next_url && (cur->flags & OC_CURSOR_PREFETCH))
	{
		oc_error	e;

		/* a failure here shows again when the page is asked for */
		oc_error_clear(&e);
		if (send_request(cur, &e) < 0 && e.kind == OC_ERR_CANCELLED)
		{
			*err = e;
			return -1;
		}
	}
	return 0;
}

/*
 * Parse a good reply's body into a page.  On failure the error names the
 * request and x is freed.  x is no longer in flight (not cur->ex.x).
 */
static oc_page *
take_page(oc_cursor *cur, oc_xfer *x, oc_error *err)
{
	size_t		blen;
	char	   *body = oc_xfer_take_body(x, &blen);
	oc_page    *p;

	if (body == NULL)
	{
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		oc_xfer_free(cur->c, x);
		return NULL;
	}
	p = oc_page_parse_take(body, blen, (cur->flags & OC_CURSOR_VALUE) ? OC_PAGE_VALUE :
						   (cur->flags & OC_CURSOR_ARRAY) != 0, err);
	if (p == NULL)
	{
		oc_copy(err->method, sizeof(err->method), "GET");
		oc_url_path(x->url, err->path, sizeof(err->path));
		err->http_status = x->resp.status;
		oc_xfer_free(cur->c, x);
		return NULL;
	}
	if (cur->flags & OC_CURSOR_VALUE)
	{
		/* the next page's link is in the body, not a Link header */
		int			nomem;

		free(x->resp.next_url);
		x->resp.next_url = oc_page_body_next(p, &nomem);
		if (nomem)
		{
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
			oc_page_free(p);
			oc_xfer_free(cur->c, x);
			return NULL;
		}
	}
	return p;
}

int
oc_cursor_poll(oc_cursor *cur, oc_error *err)
{
	oc_xfer    *x = cur->ex.x;

	oc_error_clear(err);
	if (cur->ready)
		return 1;
	if (x == NULL)
		return 1;				/* over, or oc_cursor_next sends it */
	oc_client_pump(cur->c);
	if (!x->done)
		return 0;
	if (x->resp.curl_result != CURLE_OK || x->resp.status != 200 ||
		!(cur->flags & OC_CURSOR_PREFETCH) || next_link_problem(cur, x))
		return 1;				/* oc_cursor_next deals with it */
	oc_xfer_complete(cur->c, x);
	if (advance(cur, x, err) < 0)
	{
		/* cancelled, or out of memory: the cursor is done for */
		oc_xfer_free(cur->c, x);
		return -1;
	}
	cur->ready = x;
	return 1;
}

/*
 * The reply to next_url, through the exchange loop (exchange.c), which
 * sends it again after transient failures, for a nonce or a new token.  Of
 * the final replies other than 200, the cursor takes care of two: a 404 of
 * an object that may be missing (no page), and a refused projection (the
 * same request without `fields`).  1: a good reply, now the caller's (*x);
 * 0: the object is missing; -1: failed, err set.
 */
static int
fetch_reply(oc_cursor *cur, oc_xfer **x, oc_error *err)
{
	oc_exchange *ex = &cur->ex;

	oc_exchange_begin(ex);
	for (;;)
	{
		const oc_response *resp;
		int			r;

		if (ex->x == NULL && send_request(cur, err) < 0)
			return -1;
		r = oc_exchange_run(ex, err);
		if (r < 0)
			return -1;
		if (r > 0)
			break;
		resp = &ex->x->resp;
		if (resp->curl_result == CURLE_OK && resp->status == 404 &&
			(cur->flags & OC_CURSOR_MISSING_OK))
		{
			oc_exchange_drop(ex);
			free(cur->next_url);
			cur->next_url = NULL;
			return 0;
		}
		/* a refused projection: the same page again, whole objects */
		r = resp->curl_result == CURLE_OK ?
			oc_cursor_projection_refused(cur, resp->status) : 0;
		if (r < 0)
		{
			oc_exchange_drop(ex);
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
			return -1;
		}
		if (r == 0)
		{
			oc_exchange_fail(ex, err);
			return -1;
		}
		oc_exchange_again(ex);
	}
	oc_cursor_reply_ok(cur);
	*x = oc_exchange_take(ex);
	return 1;
}

int
oc_cursor_next(oc_cursor *cur, oc_page **page, oc_error *err)
{
	oc_client  *c = cur->c;
	oc_xfer    *x;
	oc_page    *p;
	int			r;

	*page = NULL;
	oc_error_clear(err);
	if (cur->ready)
	{
		/* arrived while other listings were read: already advanced */
		x = cur->ready;
		cur->ready = NULL;
		p = take_page(cur, x, err);
		if (p == NULL)
			goto fail;
	}
	else
	{
		if (cur->next_url == NULL)
			return 0;
		r = fetch_reply(cur, &x, err);
		if (r <= 0)
			return r;
		p = take_page(cur, x, err);
		if (p == NULL)
			goto fail;
		/* past it: the next request goes out (with prefetch) */
		if (advance(cur, x, err) < 0)
		{
			oc_page_free(p);
			oc_xfer_free(c, x);
			goto fail;
		}
	}
	oc_xfer_free(c, x);
	cur->pages++;
	c->stats.pages++;
	c->stats.rows += oc_page_count(p);
	*page = p;
	return 1;

fail:
	oc_exchange_drop(&cur->ex);
	return -1;
}
