/*
 * client.c
 *      The Okta client: configuration, retries and rate limits, and cursors
 *      over paginated listings.
 */
#include "oc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

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
	c->scopes = oc_strdup(cfg->scopes ? cfg->scopes : OC_DEFAULT_SCOPES);
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	c->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 5;
	c->dpop_mode = cfg->dpop;
	c->use_dpop = cfg->dpop == OC_DPOP_ON;
	c->rl_remaining = -1;
	c->rl_limit = -1;
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
		c->multi == NULL || c->share == NULL || (cfg->ca_file && c->ca_file == NULL))
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

const oc_stats *
oc_client_stats(const oc_client *c)
{
	return &c->stats;
}

long
oc_client_rate_remaining(const oc_client *c)
{
	return c->rl_remaining;
}

static long
jitter_ms(long range)
{
	unsigned short r = 0;

	if (range <= 0)
		return 0;
	if (RAND_bytes((unsigned char *) &r, sizeof(r)) != 1)
		return range / 2;
	return (long) (r % (unsigned) range);
}

static int
is_transient(const oc_xfer *x)
{
	if (x->resp.curl_result != CURLE_OK)
		return !x->resp.oversize && x->resp.curl_result != CURLE_ABORTED_BY_CALLBACK &&
			x->resp.curl_result != CURLE_PEER_FAILED_VERIFICATION &&
			x->resp.curl_result != CURLE_SSL_CACERT_BADFILE &&
			x->resp.curl_result != CURLE_UNSUPPORTED_PROTOCOL &&
			x->resp.curl_result != CURLE_URL_MALFORMAT;
	return x->resp.status == 429 || x->resp.status >= 500;
}

/*
 * After a failed exchange: if it is worth another try and the budget
 * allows, sleep (interruptibly) and return 1; 0 when the failure is final;
 * -1 when the sleep was cancelled.
 */
int
oc_retry_pause(oc_client *c, oc_xfer *x, int *attempt, oc_error *err)
{
	long		delay;

	if (!is_transient(x) || *attempt >= c->max_retries)
		return 0;
	if (x->resp.curl_result == CURLE_OK && x->resp.status == 429)
	{
		long		now = x->resp.server_date > 0 ? x->resp.server_date : (long) time(NULL);

		if (x->resp.rl_reset > 0 && x->resp.rl_reset >= now)
			delay = (x->resp.rl_reset - now) * 1000 + 1000;
		else
			delay = 1000;
		if (delay > 120000)
			delay = 120000;
		delay += jitter_ms(250);
		c->stats.throttled_ms += (uint64_t) delay;
	}
	else
	{
		delay = 250L << (*attempt > 5 ? 5 : *attempt);
		delay += jitter_ms(delay / 2);
	}
	(*attempt)++;
	c->stats.retries++;
	if (oc_sleep(c, delay, err) < 0)
		return -1;
	return 1;
}

/* Describe a failed exchange in err. */
void
oc_xfer_error(oc_client *c, oc_xfer *x, oc_error *err)
{
	const oc_response *r = &x->resp;

	c->stats.errors++;
	err->http_status = r->status;
	oc_copy(err->method, sizeof(err->method), x->method);
	oc_url_path(x->url, err->path, sizeof(err->path));
	oc_copy(err->request_id, sizeof(err->request_id), r->request_id);
	if (r->curl_result != CURLE_OK)
	{
		if (r->oversize)
			oc_set_error(err, OC_ERR_PARSE, "Okta reply is larger than %ld bytes",
						 (long) OC_MAX_BODY_BYTES);
		else if (r->curl_result == CURLE_OPERATION_TIMEDOUT)
			oc_set_error(err, OC_ERR_TIMEOUT, "request to Okta timed out");
		else
		{
			if (r->status > 0)
				oc_set_error(err, OC_ERR_NETWORK, "the connection to Okta broke during a reply: %s",
							 curl_easy_strerror(r->curl_result));
			else
				oc_set_error(err, OC_ERR_NETWORK, "could not reach Okta: %s",
							 curl_easy_strerror(r->curl_result));
			oc_copy(err->detail, sizeof(err->detail), r->curl_error);
		}
		return;
	}
	oc_parse_api_error(r->body.data, r->body.len, err);
	oc_parse_www_authenticate(r->www_authenticate, err);
	switch (r->status)
	{
		case 401:
			oc_set_error(err, OC_ERR_UNAUTHORIZED, "Okta refused the access token");
			break;
		case 403:
			oc_set_error(err, OC_ERR_FORBIDDEN, "Okta denied access");
			break;
		case 404:
			oc_set_error(err, OC_ERR_NOT_FOUND, "Okta resource not found");
			break;
		case 429:
			oc_set_error(err, OC_ERR_RATE_LIMIT, "Okta rate limit exceeded");
			break;
		default:
			if (r->status >= 500)
				oc_set_error(err, OC_ERR_SERVER, "Okta server error (HTTP %ld)", r->status);
			else
				oc_set_error(err, OC_ERR_HTTP, "unexpected reply from Okta (HTTP %ld)", r->status);
			break;
	}
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
	oc_xfer    *inflight;		/* request already sent for next_url */
	oc_xfer    *ready;			/* a good reply not parsed yet (prefetch);
								 * next_url and inflight are past it */
	int			pages;
	long		requests;		/* requests sent, retries included */
	long		retries;
	int			fields_dropped; /* asked again without `fields` after a 400 */
};

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

oc_cursor *
oc_cursor_open(oc_client *c, const char *path_query, int flags)
{
	oc_cursor  *cur = calloc(1, sizeof(oc_cursor));
	oc_buf		b;

	if (cur == NULL)
		return NULL;
	cur->c = c;
	cur->flags = flags;
	oc_buf_init(&b);
	oc_buf_puts(&b, c->org_url);
	oc_buf_puts(&b, path_query);
	cur->next_url = oc_buf_take(&b);
	if (cur->next_url == NULL || (c->fields_refused && cursor_drop_fields(cur) < 0))
	{
		free(cur->next_url);
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
	oc_xfer_free(cur->c, cur->inflight);
	oc_xfer_free(cur->c, cur->ready);
	free(cur->next_url);
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
	*requests = cur ? cur->requests : 0;
	*retries = cur ? cur->retries : 0;
}

/*
 * When the rate-limit bucket runs low (under a tenth of its limit), spread
 * the requests left over the rest of its window instead of running into
 * 429s: wait window-left / requests-left before the next request.
 */
long
oc_rate_pause_ms(const oc_client *c, long now)
{
	long		window_left;
	long		floor_left;

	if (c->rl_remaining < 0 || c->rl_limit <= 0 || c->rl_reset <= 0)
		return 0;
	floor_left = c->rl_limit / 10;
	if (floor_left < 2)
		floor_left = 2;
	if (c->rl_remaining >= floor_left)
		return 0;
	window_left = (c->rl_reset - (now - c->rl_skew)) * 1000;
	if (window_left <= 0)
		return 0;
	if (window_left > 60000)
		window_left = 60000;
	return window_left / (c->rl_remaining + 1);
}

/* Send a GET for cur->next_url; the cursor owns the transfer. */
static int
send_request(oc_cursor *cur, oc_error *err)
{
	oc_client  *c = cur->c;
	struct curl_slist *h = NULL;
	long		pause = oc_rate_pause_ms(c, (long) time(NULL));

	if (pause > 0)
	{
		c->stats.throttled_ms += (uint64_t) pause;
		if (oc_sleep(c, pause, err) < 0)
			return -1;
		/* the next response tells us where the bucket stands */
		c->rl_remaining = -1;
	}
	/* the org refused a projection since this cursor was opened */
	if (c->fields_refused && cursor_drop_fields(cur) < 0)
	{
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return -1;
	}
	if (oc_client_authenticate(c, err) < 0)
		return -1;
	if (oc_auth_headers(c, "GET", cur->next_url, &h, err) < 0)
		return -1;
	if (cur->flags & OC_CURSOR_OMIT_CREDENTIALS)
	{
		/* smaller pages: Okta's documented speed-up for user listings */
		const char *v = (cur->flags & OC_CURSOR_OMIT_TRANSITIONING)
			? "Content-Type: application/json; okta-response=\"omitCredentials,omitCredentialsLinks,omitTransitioningToStatus\""
			: "Content-Type: application/json; okta-response=\"omitCredentials,omitCredentialsLinks\"";
		struct curl_slist *n = curl_slist_append(h, v);

		if (n == NULL)
		{
			curl_slist_free_all(h);
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
			return -1;
		}
		h = n;
	}
	cur->inflight = oc_xfer_new(c, "GET", cur->next_url, NULL, h, err);
	if (cur->inflight == NULL)
		return -1;
	cur->inflight->token_gen = c->token_gen;
	if (oc_xfer_start(c, cur->inflight, err) < 0)
	{
		oc_xfer_free(c, cur->inflight);
		cur->inflight = NULL;
		return -1;
	}
	cur->requests++;
	return 0;
}

static int
same_origin(const char *org_url, const char *url)
{
	size_t		n = strlen(org_url);

	return strncasecmp(url, org_url, n) == 0 && url[n] == '/';
}

int
oc_cursor_start(oc_cursor *cur, oc_error *err)
{
	oc_error_clear(err);
	if (cur->next_url == NULL || cur->inflight != NULL)
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
	oc_client  *c = cur->c;

	free(cur->next_url);
	cur->next_url = NULL;
	if (cur->inflight == x)
		cur->inflight = NULL;
	if ((cur->flags & OC_CURSOR_ARRAY) && x->resp.next_url)
	{
		if (!same_origin(c->org_url, x->resp.next_url))
		{
			oc_set_error(err, OC_ERR_PARSE,
						 "Okta sent a next-page link to another origin");
			oc_copy(err->method, sizeof(err->method), "GET");
			oc_url_path(x->url, err->path, sizeof(err->path));
			return -1;
		}
		cur->next_url = oc_strdup(x->resp.next_url);
		if (cur->next_url == NULL)
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
 * request and x is freed (and no longer the cursor's).
 */
static oc_page *
take_page(oc_cursor *cur, oc_xfer *x, oc_error *err)
{
	size_t		blen = x->resp.body.len;
	char	   *body = oc_buf_take(&x->resp.body);
	oc_page    *p;

	if (cur->inflight == x)
		cur->inflight = NULL;
	if (body == NULL)
	{
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		oc_xfer_free(cur->c, x);
		return NULL;
	}
	p = oc_page_parse_take(body, blen, (cur->flags & OC_CURSOR_ARRAY) != 0, err);
	if (p == NULL)
	{
		oc_copy(err->method, sizeof(err->method), "GET");
		oc_url_path(x->url, err->path, sizeof(err->path));
		err->http_status = x->resp.status;
		oc_xfer_free(cur->c, x);
	}
	return p;
}

int
oc_cursor_poll(oc_cursor *cur, oc_error *err)
{
	oc_xfer    *x = cur->inflight;

	oc_error_clear(err);
	if (cur->ready)
		return 1;
	if (x == NULL)
		return 1;				/* over, or oc_cursor_next sends it */
	oc_client_pump(cur->c);
	if (!x->done)
		return 0;
	if (x->resp.curl_result != CURLE_OK || x->resp.status != 200 ||
		!(cur->flags & OC_CURSOR_PREFETCH) ||
		((cur->flags & OC_CURSOR_ARRAY) && x->resp.next_url &&
		 !same_origin(cur->c->org_url, x->resp.next_url)))
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

int
oc_cursor_next(oc_cursor *cur, oc_page **page, oc_error *err)
{
	oc_client  *c = cur->c;
	int			attempt = 0;
	int			refreshed = 0;
	int			nonce_tried = 0;
	oc_xfer    *x;
	oc_page    *p;

	*page = NULL;
	oc_error_clear(err);
	if (cur->ready)
	{
		/* arrived while other listings were read: already advanced */
		x = cur->ready;
		cur->ready = NULL;
		goto parse;
	}
	if (cur->next_url == NULL)
		return 0;

	for (;;)
	{
		int			r;

		if (cur->inflight == NULL && send_request(cur, err) < 0)
			goto fail;
		x = cur->inflight;
		if (oc_xfer_wait(c, x, err) < 0)
			goto fail;
		if (x->resp.curl_result == CURLE_OK && x->resp.status == 200)
			break;
		if (x->resp.curl_result == CURLE_OK && x->resp.status == 404 &&
			(cur->flags & OC_CURSOR_MISSING_OK))
		{
			oc_xfer_free(c, x);
			cur->inflight = NULL;
			free(cur->next_url);
			cur->next_url = NULL;
			return 0;
		}
		if (x->resp.curl_result == CURLE_OK &&
			(x->resp.status == 401 || x->resp.status == 400) && !c->api_token)
		{
			oc_error	e;

			oc_error_clear(&e);
			oc_parse_api_error(x->resp.body.data, x->resp.body.len, &e);
			oc_parse_www_authenticate(x->resp.www_authenticate, &e);
			if (x->resp.dpop_nonce && strcmp(e.code, "use_dpop_nonce") == 0 &&
				!nonce_tried)
			{
				/* the resource server wants a nonce: retry once with it */
				free(c->resource_nonce);
				c->resource_nonce = oc_strdup(x->resp.dpop_nonce);
				nonce_tried = 1;
				oc_xfer_free(c, x);
				cur->inflight = NULL;
				continue;
			}
			if (x->resp.status == 401 && !refreshed &&
				(strcmp(e.code, "invalid_token") == 0 ||
				 strcmp(e.code, "E0000011") == 0))
			{
				/*
				 * token expired or revoked: get a new one, once (unless a
				 * request running beside this one already did)
				 */
				if (x->token_gen == c->token_gen)
					oc_forget_token(c);
				refreshed = 1;
				oc_xfer_free(c, x);
				cur->inflight = NULL;
				continue;
			}
		}
		if (x->resp.curl_result == CURLE_OK)
		{
			/* a refused projection: the same page again, whole objects */
			r = oc_cursor_projection_refused(cur, x->resp.status);
			if (r < 0)
			{
				oc_set_error(err, OC_ERR_NOMEM, "out of memory");
				goto fail;
			}
			if (r > 0)
			{
				oc_xfer_free(c, x);
				cur->inflight = NULL;
				cur->retries++;
				c->stats.retries++;
				continue;
			}
		}
		r = oc_retry_pause(c, x, &attempt, err);
		if (r > 0)
		{
			oc_xfer_free(c, x);
			cur->inflight = NULL;
			cur->retries++;
			continue;
		}
		if (r == 0)
		{
			oc_xfer_error(c, x, err);
			err->retries = attempt;
		}
		goto fail;
	}

	/* a good reply */
	oc_cursor_reply_ok(cur);
	p = take_page(cur, x, err);
	if (p == NULL)
		goto fail;
	/* past it: the next request goes out (with prefetch) */
	if (advance(cur, x, err) < 0)
	{
		oc_page_free(p);
		oc_xfer_free(c, x);		/* no longer the cursor's */
		goto fail;
	}
	goto done;

parse:
	p = take_page(cur, x, err);
	if (p == NULL)
		goto fail;
done:
	oc_xfer_free(c, x);
	cur->pages++;
	c->stats.pages++;
	c->stats.rows += oc_page_count(p);
	*page = p;
	return 1;

fail:
	if (cur->inflight)
	{
		oc_xfer_free(c, cur->inflight);
		cur->inflight = NULL;
	}
	return -1;
}
