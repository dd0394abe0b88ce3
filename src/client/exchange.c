/*
 * exchange.c
 *      One logical request to Okta, to the token endpoint or for a resource,
 *      sent again until its reply is final.  This is the one loop of the
 *      client layer that sends a request again:
 *
 *      - after a transient failure (429, 5xx, a broken connection), once a
 *        pause is over: until X-Rate-Limit-Reset (by Okta's clock) on a
 *        429, an exponential backoff otherwise; max_retries times;
 *      - at once, with the DPoP nonce a server asks for (use_dpop_nonce);
 *      - once, with a new access token, after a resource's 401
 *        invalid_token (an expired or revoked token).
 *
 *      Every attempt waits first until its rate-limit bucket admits it
 *      (rate.c: not before the bucket's Reset after a 429 or once its
 *      Remaining is spent; shared by the client's cursors, or by every
 *      backend through the rate hooks).  Resource requests carry an access
 *      token fetched here (oc_client_authenticate) when the cached one is
 *      missing or about to expire.
 *
 * What a request carries comes from auth.c; the transfer itself is http.c's.
 * A final reply other than 200 goes back to the caller undescribed
 * (oc_exchange_run returns 0), so that a cursor (client.c) can decide what
 * it means for its listing -- a 404 of an object that may be missing, a
 * refused projection -- and either send it again (oc_exchange_again) or
 * report it (oc_exchange_fail).
 */
#include "oc_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define TOKEN_RENEW_MARGIN 300	/* renew this long before expiry */

/*
 * How many times one logical request is sent again with a fresh nonce: the
 * token endpoint may still turn down a nonce cached from an earlier token
 * (Okta renews it daily), so twice; a resource server, once.
 */
#define TOKEN_NONCE_TRIES 2
#define RESOURCE_NONCE_TRIES 1

/* ---------- pauses ---------- */

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
		return !x->resp.oversize && !x->resp.over_budget && !x->resp.nomem &&
			x->resp.curl_result != CURLE_ABORTED_BY_CALLBACK &&
			x->resp.curl_result != CURLE_PEER_FAILED_VERIFICATION &&
			x->resp.curl_result != CURLE_SSL_CACERT_BADFILE &&
			x->resp.curl_result != CURLE_UNSUPPORTED_PROTOCOL &&
			x->resp.curl_result != CURLE_URL_MALFORMAT;
	return x->resp.status == 429 || x->resp.status >= 500;
}

/*
 * After a failed exchange: if it is worth another try and the budget
 * allows, sleep (interruptibly) and return 1; 0 when the failure is final
 * (nothing is changed then); -1 when the sleep was cancelled.
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
		oc_client_rate_wait(c, x->bucket, delay, x->resp.rl_limit, 0);
	}
	else
	{
		delay = 250L << (*attempt > 5 ? 5 : *attempt);
		delay += jitter_ms(delay / 2);
		oc_client_retry_wait(c, delay);
	}
	(*attempt)++;
	c->stats.retries++;
	if (oc_sleep(c, delay, err) < 0)
	{
		oc_client_wait_over(c);
		return -1;
	}
	oc_client_wait_over(c);
	return 1;
}

/*
 * Before a request of bucket b goes out: wait (interruptibly, transfers in
 * flight going on) until the budget admits it -- not before the bucket's
 * Reset after a 429 or when its Remaining is spent, the last tenth spread
 * over the window (rate.c).  The wait counts as throttled time.  0 with
 * *ticket set, or -1 when cancelled.
 */
static int
admit(oc_client *c, oc_bucket b, int64_t *ticket, oc_error *err)
{
	for (;;)
	{
		long		wait = oc_client_rate_admit(c, b, ticket);

		if (wait <= 0)
		{
			oc_client_wait_over(c);
			return 0;
		}
		oc_client_rate_wait(c, b, wait, -1, -1);
		/* look again at least every second: other clients move it too */
		if (wait > 1000)
			wait = 1000;
		c->stats.throttled_ms += (uint64_t) wait;
		if (oc_sleep(c, wait, err) < 0)
		{
			oc_client_wait_over(c);
			return -1;
		}
	}
}

/* A new transfer, admitted to its bucket (the ticket is the transfer's). */
static oc_xfer *
admitted_xfer(oc_client *c, oc_bucket b, int64_t ticket, const char *method,
			  const char *url, const char *post_body, struct curl_slist *h,
			  oc_error *err)
{
	oc_xfer    *x = oc_xfer_new(c, method, url, post_body, h, err);

	if (x == NULL)
	{
		oc_client_rate_done(c, b, ticket, 0, NULL);
		return NULL;
	}
	x->bucket = b;
	x->ticket = ticket;
	x->rate_held = 1;
	return x;
}

/* ---------- failures ---------- */

static long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a transfer that got no reply from Okta ran into. */
static oc_netcause
net_cause(oc_client *c, oc_xfer *x)
{
	const oc_response *r = &x->resp;
	int			via_proxy = c->proxy != NULL && !oc_url_host_is_loopback(x->url);

	switch (r->curl_result)
	{
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_SSL_ISSUER_ERROR:
			return OC_NET_TLS;
		case CURLE_SSL_CACERT_BADFILE:
			return OC_NET_CA_FILE;
		case CURLE_COULDNT_RESOLVE_PROXY:
#if LIBCURL_VERSION_NUM >= 0x074900
		case CURLE_PROXY:		/* a proxy handshake failed (curl 7.73) */
#endif
			return OC_NET_PROXY;
		case CURLE_COULDNT_RESOLVE_HOST:
			return via_proxy ? OC_NET_PROXY : OC_NET_RESOLVE;
		case CURLE_COULDNT_CONNECT:
			return via_proxy ? OC_NET_PROXY : OC_NET_CONNECT;
		case CURLE_OPERATION_TIMEDOUT:
			{
				curl_off_t	connected = 0;

				/* connect_timeout_ms, or timeout_ms before a connection */
				if (r->status == 0 &&
					curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &connected) == CURLE_OK &&
					connected == 0)
					return via_proxy ? OC_NET_PROXY : OC_NET_CONNECT;
				return OC_NET_OTHER;
			}
		default:
			/* a proxy that turned the tunnel down (CONNECT answered 403) */
			return via_proxy && r->status == 0 ? OC_NET_PROXY : OC_NET_OTHER;
	}
}

/*
 * curl's words for a failed connect count the time of the last attempt
 * only ("Failed to connect to host port 443 after 0 ms: ..."): drop that,
 * the caller says how long all the attempts took.
 */
static void
copy_curl_error(char *dst, size_t dstlen, const char *src)
{
	char	   *after;
	const char *p;

	oc_copy_printable(dst, dstlen, src, strlen(src));
	after = strstr(dst, " after ");
	if (after == NULL)
		return;
	p = after + 7;
	if (!oc_isdigit((unsigned char) *p))
		return;
	while (oc_isdigit((unsigned char) *p))
		p++;
	if (strncmp(p, " ms", 3) == 0 && !oc_isalnum((unsigned char) p[3]))
		p += 3;
	else if (strncmp(p, " milliseconds", 13) == 0)
		p += 13;
	else
		return;
	memmove(after, p, strlen(p) + 1);
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
	oc_copy_printable(err->request_id, sizeof(err->request_id), r->request_id,
					  strlen(r->request_id));
	if (r->curl_result != CURLE_OK)
	{
		if (r->oversize)
			oc_set_error(err, OC_ERR_LIMIT, "Okta reply is larger than %ld bytes",
						 (long) OC_MAX_BODY_BYTES);
		else if (r->over_budget)
			oc_set_error(err, OC_ERR_LIMIT,
						 "Okta replies being received at once are larger than %zu bytes",
						 c->max_inflight);
		else if (r->nomem)
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
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
			/* curl's words may quote the server's */
			copy_curl_error(err->detail, sizeof(err->detail), r->curl_error);
		}
		if (err->kind == OC_ERR_NETWORK || err->kind == OC_ERR_TIMEOUT)
			err->net_cause = net_cause(c, x);
		return;
	}
	oc_parse_api_error(r->body.data, r->body.len, err);
	oc_parse_www_authenticate(r->www_authenticate, err);
	switch (r->status)
	{
		case 400:
			/*
			 * Okta's resource server answers a bad DPoP proof (or a DPoP
			 * token sent as Bearer) with 400, an empty body and the reason
			 * in WWW-Authenticate
			 */
			if (r->www_authenticate && err->code[0])
				oc_set_error(err, OC_ERR_UNAUTHORIZED, "Okta refused the request's DPoP proof");
			else
				oc_set_error(err, OC_ERR_HTTP, "unexpected reply from Okta (HTTP %ld)", r->status);
			break;
		case 401:
			if (c->api_token)
				oc_set_error(err, OC_ERR_UNAUTHORIZED, "Okta refused the API token");
			else
				oc_set_error(err, OC_ERR_UNAUTHORIZED, "Okta refused the access token");
			err->api_token = c->api_token != NULL;
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

/* ---------- sending ---------- */

void
oc_exchange_init(oc_exchange *ex, oc_client *c, int token, const char *extra_header)
{
	memset(ex, 0, sizeof(*ex));
	ex->c = c;
	ex->token = token;
	ex->extra_header = extra_header;
}

void
oc_exchange_begin(oc_exchange *ex)
{
	ex->attempt = 0;
	ex->nonce_tries = 0;
	ex->refreshed = 0;
	/* a page fetched ahead: its first attempt is already on its way */
	if (ex->x == NULL)
		ex->started_ms = 0;
}

/* A POST to the token endpoint, with a fresh assertion (and proof). */
static oc_xfer *
token_xfer(oc_exchange *ex, const char *url, oc_error *err)
{
	oc_client  *c = ex->c;
	struct curl_slist *h;
	char	   *form;
	oc_xfer    *x;

	oc_bucket	b = oc_bucket_of("POST", url);
	int64_t		ticket;

	ex->sent_proof = c->use_dpop;
	/* the budget first: the assertion and proof are made fresh after */
	if (admit(c, b, &ticket, err) < 0)
		return NULL;
	if (oc_token_request(c, &form, &h, err) < 0)
	{
		oc_client_rate_done(c, b, ticket, 0, NULL);
		return NULL;
	}
	x = admitted_xfer(c, b, ticket, "POST", url, form, h, err);
	memset(form, 0, strlen(form));
	free(form);
	return x;
}

/*
 * A GET of a resource, admitted to its bucket, with a usable access token
 * (and a DPoP proof made after any wait).
 */
static oc_xfer *
resource_xfer(oc_exchange *ex, const char *url, oc_error *err)
{
	oc_client  *c = ex->c;
	struct curl_slist *h = NULL;
	oc_xfer    *x;
	oc_bucket	b = oc_bucket_of("GET", url);
	int64_t		ticket;

	if (admit(c, b, &ticket, err) < 0)
		return NULL;
	if (oc_client_authenticate(c, err) < 0 ||
		oc_auth_headers(c, "GET", url, &h, err) < 0)
	{
		oc_client_rate_done(c, b, ticket, 0, NULL);
		return NULL;
	}
	if (ex->extra_header)
	{
		struct curl_slist *n = curl_slist_append(h, ex->extra_header);

		if (n == NULL)
		{
			curl_slist_free_all(h);
			oc_client_rate_done(c, b, ticket, 0, NULL);
			oc_set_error(err, OC_ERR_NOMEM, "out of memory");
			return NULL;
		}
		h = n;
	}
	x = admitted_xfer(c, b, ticket, "GET", url, NULL, h, err);
	if (x)
		x->token_gen = c->token_gen;
	return x;
}

/*
 * Send one attempt for url now, without waiting for its reply: it becomes
 * ex->x.  Nothing may be in flight.  0, or -1 with err set (nothing is
 * then in flight).
 */
int
oc_exchange_send(oc_exchange *ex, const char *url, oc_error *err)
{
	oc_client  *c = ex->c;
	oc_xfer    *x = ex->token ? token_xfer(ex, url, err) : resource_xfer(ex, url, err);

	if (x == NULL)
		return -1;
	if (ex->token)
		c->stats.token_requests++;
	if (ex->started_ms == 0)
		ex->started_ms = monotonic_ms();
	if (oc_xfer_start(c, x, err) < 0)
	{
		oc_xfer_free(c, x);
		return -1;
	}
	ex->x = x;
	ex->requests++;
	return 0;
}

/* Send the attempt in flight again (its URL), as a new transfer. */
static int
send_again(oc_exchange *ex, oc_error *err)
{
	oc_xfer    *old = ex->x;
	int			r;

	ex->x = NULL;
	r = oc_exchange_send(ex, old->url, err);
	oc_xfer_free(ex->c, old);
	return r;
}

/* ---------- judging a reply ---------- */

typedef enum
{
	REPLY_GOOD,					/* 200 */
	REPLY_RESEND,				/* send again at once (nonce, DPoP, token) */
	REPLY_OTHER					/* a failure: transient or final */
} reply_verdict;

/*
 * A 400 or 401 that sending again can cure: a nonce asked for, DPoP asked
 * for by the token endpoint, an access token that expired or was revoked.
 * The state the next attempt needs is kept (in the client or ex).
 */
static reply_verdict
judge_auth_refusal(oc_exchange *ex)
{
	oc_client  *c = ex->c;
	oc_xfer    *x = ex->x;
	oc_error	e;

	oc_error_clear(&e);
	oc_parse_api_error(x->resp.body.data, x->resp.body.len, &e);
	if (!ex->token)
		oc_parse_www_authenticate(x->resp.www_authenticate, &e);
	if (strcmp(e.code, "use_dpop_nonce") == 0 && x->resp.dpop_nonce &&
		(ex->token ? ex->sent_proof && ex->nonce_tries < TOKEN_NONCE_TRIES
		 : ex->nonce_tries < RESOURCE_NONCE_TRIES))
	{
		/* the authorization server's nonce, or the resource server's */
		char	  **nonce = ex->token ? &c->dpop_nonce : &c->resource_nonce;

		free(*nonce);
		*nonce = oc_strdup(x->resp.dpop_nonce);
		ex->nonce_tries++;
		return REPLY_RESEND;
	}
	if (!ex->token && x->resp.status == 401 && !ex->refreshed &&
			 (strcmp(e.code, "invalid_token") == 0 ||
			  strcmp(e.code, "E0000011") == 0))
	{
		/*
		 * token expired or revoked: get a new one, once (unless a request
		 * running beside this one already did)
		 */
		if (x->token_gen == c->token_gen)
			oc_forget_token(c);
		ex->refreshed = 1;
		return REPLY_RESEND;
	}
	return REPLY_OTHER;
}

static reply_verdict
judge(oc_exchange *ex)
{
	const oc_response *r = &ex->x->resp;

	if (r->curl_result != CURLE_OK)
		return REPLY_OTHER;
	if (r->status == 200)
		return REPLY_GOOD;
	/* API tokens (SSWS) have no nonce and nothing to refresh */
	if ((r->status == 400 || r->status == 401) && (ex->token || !ex->c->api_token))
		return judge_auth_refusal(ex);
	return REPLY_OTHER;
}

/*
 * Wait for the attempt in flight (ex->x) and send it again until its reply
 * is final.  1: a 200 reply, in ex->x; 0: another final reply, in ex->x,
 * not described yet (oc_exchange_fail does, or the caller sends again);
 * -1: failed or cancelled, err set, nothing left in flight.
 */
int
oc_exchange_run(oc_exchange *ex, oc_error *err)
{
	oc_client  *c = ex->c;

	for (;;)
	{
		int			r;

		if (oc_xfer_wait(c, ex->x, err) < 0)
			break;
		switch (judge(ex))
		{
			case REPLY_GOOD:
				return 1;
			case REPLY_RESEND:
				break;
			case REPLY_OTHER:
				r = oc_retry_pause(c, ex->x, &ex->attempt, err);
				if (r == 0)
					return 0;
				if (r < 0)
				{
					oc_exchange_drop(ex);
					return -1;
				}
				ex->retries++;
				break;
		}
		if (send_again(ex, err) < 0)
			return -1;
	}
	oc_exchange_drop(ex);
	return -1;
}

/*
 * The caller will send a changed request instead of the final reply in
 * ex->x (a cursor dropping a refused projection): drop the reply, and count
 * a retry.  The state of the logical request (attempts, nonce, refresh)
 * carries on.
 */
void
oc_exchange_again(oc_exchange *ex)
{
	oc_exchange_drop(ex);
	ex->retries++;
	ex->c->stats.retries++;
}

/*
 * After a transport failure, say in the detail how many attempts were made
 * over how long: the retries take seconds, and curl's own words time the
 * last attempt only.
 */
static void
transport_summary(oc_exchange *ex, oc_error *err)
{
	size_t		n = strlen(err->detail);
	double		secs = ex->started_ms ? (monotonic_ms() - ex->started_ms) / 1000.0 : 0;
	int			attempts = ex->attempt + 1;

	/* one sentence after curl's: drop its period, if any */
	if (n > 0 && err->detail[n - 1] == '.')
		err->detail[--n] = '\0';
	snprintf(err->detail + n, sizeof(err->detail) - n, "%s%d attempt%s in %.1f s.",
			 n > 0 ? "; " : "", attempts, attempts == 1 ? "" : "s", secs);
}

/* Report the final reply in ex->x as a failure in err, and drop it. */
void
oc_exchange_fail(oc_exchange *ex, oc_error *err)
{
	const oc_response *r = &ex->x->resp;

	oc_xfer_error(ex->c, ex->x, err);
	if (err->kind == OC_ERR_NETWORK || err->kind == OC_ERR_TIMEOUT)
		transport_summary(ex, err);
	if (!ex->token)
		err->retries = ex->attempt;
	else if (r->curl_result == CURLE_OK && r->status < 500 && r->status != 429)
	{
		err->kind = OC_ERR_AUTH;
		oc_copy(err->message, sizeof(err->message),
				"Okta refused the access token request");
	}
	oc_exchange_drop(ex);
}

/* The reply (or the attempt in flight), now the caller's. */
oc_xfer *
oc_exchange_take(oc_exchange *ex)
{
	oc_xfer    *x = ex->x;

	ex->x = NULL;
	return x;
}

void
oc_exchange_drop(oc_exchange *ex)
{
	oc_xfer_free(ex->c, ex->x);
	ex->x = NULL;
}

/* ---------- access tokens ---------- */

int
oc_fetch_token(oc_client *c, oc_error *err)
{
	oc_exchange ex;
	int			r;

	oc_exchange_init(&ex, c, 1, NULL);
	if (oc_exchange_send(&ex, c->token_url, err) < 0)
		return -1;
	r = oc_exchange_run(&ex, err);
	if (r == 0)
	{
		oc_exchange_fail(&ex, err);
		return -1;
	}
	if (r > 0)
		r = oc_store_token(c, &ex.x->resp.body, err);
	oc_exchange_drop(&ex);
	return r;
}

int
oc_client_authenticate(oc_client *c, oc_error *err)
{
	if (c->api_token)
		return 0;
	if (c->access_token && time(NULL) < c->token_expires - TOKEN_RENEW_MARGIN)
		return 0;
	return oc_fetch_token(c, err);
}
