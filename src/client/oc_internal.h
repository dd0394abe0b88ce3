/*
 * oc_internal.h
 *      Internals shared by the files of the Okta client layer.
 *
 * Each file calls only files below it (test/check_calls.sh checks that no
 * two files call into each other):
 *
 *      client.c    the client's life (configuration, credentials, handles)
 *                  and cursors over listings
 *      exchange.c  one request, sent again until its reply is final:
 *                  retries, waiting for the budget, DPoP nonces, token
 *                  refresh
 *      auth.c      what a request carries: client assertions, DPoP proofs,
 *                  headers; the token cache
 *      http.c      one HTTP transfer on the client's multi handle
 *      rate.c      rate-limit buckets and the budget rule
 *      jwt.c       keys, JWS, JWKs            search.c  search expressions
 *      page.c      pages, Link headers, error bodies (on jtape.c's tape)
 *      jtape.c     the JSON tape
 *      util.c      strings, buffers, encodings, errors
 */
#ifndef OC_INTERNAL_H
#define OC_INTERNAL_H

#include "okta_client.h"

#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

/* util.c */
extern void oc_copy(char *dst, size_t dstlen, const char *src);
/* text from Okta for a message: printable ASCII, or UTF-8 without controls */
extern void oc_copy_printable(char *dst, size_t dstlen, const char *src, size_t n);
extern void oc_copy_text(char *dst, size_t dstlen, const char *src, size_t n);
extern void oc_set_error(oc_error *err, oc_errkind kind, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern char *oc_buf_take(oc_buf *b);
/* room for extra more bytes (and a NUL); 0 or -1 */
extern int	oc_buf_reserve(oc_buf *b, size_t extra);
extern char *oc_strdup(const char *s);
extern char *oc_strndup(const char *s, size_t n);
extern int	oc_isalnum(int c);
extern int	oc_isdigit(int c);
/* a hex digit's value, or -1 */
extern int	oc_hexval(int c);

/* jwt.c */
extern EVP_PKEY *oc_key_load(const char *pem, char *errbuf, size_t errlen,
							 char *hint, size_t hintlen);
extern const char *oc_key_alg(EVP_PKEY *key);
extern int	oc_jws_sign(EVP_PKEY *key, json_object *header,
						json_object *claims, oc_buf *out);
extern EVP_PKEY *oc_dpop_keygen(void);
extern json_object *oc_jwk_public(EVP_PKEY *key);
extern int	oc_new_jti(char out[37]);
extern void oc_sha256_b64url(const char *s, oc_buf *out);

/* page.c */
/* a page from a malloc'd, NUL-terminated body, which it then owns */
/* want_array: 0 an object, 1 an array, OC_PAGE_VALUE an object's "value" array */
#define OC_PAGE_VALUE 2
extern oc_page *oc_page_parse_take(char *body, size_t len, int want_array,
								   oc_error *err);
extern char *oc_page_body_next(const oc_page *p, int *nomem);
extern int	oc_link_find_next(const char *header_value, const char **url,
							  size_t *len);
extern char *oc_link_next(const char *header_value);
extern void oc_parse_api_error(const char *body, size_t len, oc_error *err);
extern void oc_parse_www_authenticate(const char *value, oc_error *err);

/* http.c: one HTTP transfer driven through the client's multi handle */
typedef struct oc_response
{
	long		status;
	oc_buf		body;
	char	   *next_url;		/* Link rel="next", absolute */
	char	   *dpop_nonce;
	char	   *www_authenticate;
	char		request_id[96];
	long		rl_limit;
	long		rl_remaining;
	long		rl_reset;		/* epoch seconds, -1 if absent */
	long		server_date;	/* epoch seconds from Date, -1 if absent */
	int			oversize;		/* longer than OC_MAX_BODY_BYTES */
	int			over_budget;	/* the client's replies in flight went over
								 * OC_MAX_INFLIGHT_BYTES */
	size_t		charged;		/* body bytes counted in the client's
								 * body_bytes */
	int			nomem;			/* out of memory while taking the reply in */
	CURLcode	curl_result;
	char		curl_error[CURL_ERROR_SIZE];
} oc_response;

typedef struct oc_xfer
{
	oc_client  *c;				/* whose multi handle and budget */
	CURL	   *easy;
	struct curl_slist *headers;
	char	   *url;
	char	   *post_body;
	char		method[8];
	int			active;			/* added to the multi handle */
	unsigned	token_gen;		/* which access token the request carries */
	oc_bucket	bucket;			/* its rate-limit bucket */
	int64_t		ticket;			/* its admission to the bucket ... */
	int			rate_held;		/* ... not over yet */
	int			sent;			/* it went out (oc_xfer_start) */
	int			done;
	oc_response resp;
} oc_xfer;

struct oc_client
{
	char	   *org_url;		/* no trailing slash */
	char	   *token_url;
	char	   *ca_file;
	char	   *proxy;			/* NULL: none (never the environment's) */
	char	   *scopes;
	long		timeout_ms;
	long		connect_timeout_ms;
	int			max_retries;

	char	   *client_id;
	EVP_PKEY   *key;
	char	   *key_id;
	char	   *api_token;

	/* DPoP */
	int			use_dpop;		/* learnt (auto) or forced (on) */
	EVP_PKEY   *dpop_key;
	json_object *dpop_jwk;
	char	   *dpop_nonce;		/* authorization server's */
	char	   *resource_nonce; /* resource server's, if it ever sends one */

	/* token cache */
	char	   *access_token;
	unsigned	token_gen;		/* counts the tokens obtained */
	int			token_is_dpop;
	time_t		token_expires;
	char	   *granted_scopes;

	CURLM	   *multi;
	CURLSH	   *share;			/* TLS sessions and DNS, across handles */
	oc_wait_fn	wait_fn;
	void	   *wait_arg;
	oc_stats	stats;
	/* rate limits: the client's own budget, or the hooks' (rate.c) */
	oc_rate_org rate;
	oc_rate_hooks rate_hooks;
	long		last_remaining; /* last X-Rate-Limit-Remaining, -1 if none */
	oc_wait_info waiting;		/* what it waits for now (oc_client_waiting) */
	oc_wait_info last_rate_wait;	/* its last wait on a rate limit */

	/*
	 * bytes of reply bodies held by transfers (in flight, or not parsed
	 * yet), and how many may be (OC_MAX_INFLIGHT_BYTES; tests lower it)
	 */
	size_t		body_bytes;
	size_t		max_inflight;

	/* the org answered 400 to a `fields` projection: send none any more */
	int			fields_refused;
};

extern oc_xfer *oc_xfer_new(oc_client *c, const char *method, const char *url,
							const char *post_body, struct curl_slist *headers,
							oc_error *err);
extern int	oc_xfer_start(oc_client *c, oc_xfer *x, oc_error *err);
extern int	oc_xfer_wait(oc_client *c, oc_xfer *x, oc_error *err);
extern void oc_xfer_complete(oc_client *c, oc_xfer *x);
extern void oc_client_pump(oc_client *c);
extern int	oc_sleep(oc_client *c, long ms, oc_error *err);
extern void oc_xfer_free(oc_client *c, oc_xfer *x);
/* the reply's body, now the caller's (malloc'd, NUL-terminated), or NULL */
extern char *oc_xfer_take_body(oc_xfer *x, size_t *len);
extern void oc_url_path(const char *url, char *out, size_t outlen);
extern const char *oc_url_path_start(const char *url);
/* util.c: is the URL's host a loopback host (never sent through a proxy)? */
extern int	oc_url_host_is_loopback(const char *url);

/* auth.c: what a request carries; the token cache */
extern int	oc_auth_headers(oc_client *c, const char *method, const char *url,
							struct curl_slist **headers, oc_error *err);
extern int	oc_token_request(oc_client *c, char **form,
							 struct curl_slist **headers, oc_error *err);
extern int	oc_store_token(oc_client *c, const oc_buf *body, oc_error *err);
extern void oc_forget_token(oc_client *c);

/*
 * exchange.c: one logical request (a token request, or a resource GET),
 * sent again until its reply is final -- the one retry loop
 */
typedef struct oc_exchange
{
	oc_client  *c;
	int			token;			/* a token request; else a resource GET */
	const char *extra_header;	/* resources: one more header line, or NULL */
	oc_xfer    *x;				/* the attempt in flight, or its reply */
	int			sent_proof;		/* token: that attempt carries a DPoP proof */
	/* one logical request's state (oc_exchange_begin resets it) */
	int			attempt;		/* retries after transient failures */
	int			nonce_tries;
	int			refreshed;		/* sent again with a new access token */
	long		started_ms;		/* its first attempt was sent (monotonic) */
	/* over the exchange's life */
	long		requests;		/* attempts sent */
	long		retries;		/* sent again after a failure (not for a
								 * nonce, DPoP or a new token) */
} oc_exchange;

extern void oc_exchange_init(oc_exchange *ex, oc_client *c, int token,
							 const char *extra_header);
extern void oc_exchange_begin(oc_exchange *ex);
extern int	oc_exchange_send(oc_exchange *ex, const char *url, oc_error *err);
extern int	oc_exchange_run(oc_exchange *ex, oc_error *err);
extern void oc_exchange_again(oc_exchange *ex);
extern void oc_exchange_fail(oc_exchange *ex, oc_error *err);
extern oc_xfer *oc_exchange_take(oc_exchange *ex);
extern void oc_exchange_drop(oc_exchange *ex);
extern int	oc_fetch_token(oc_client *c, oc_error *err);
extern int	oc_retry_pause(oc_client *c, oc_xfer *x, int *attempt, oc_error *err);
extern void oc_xfer_error(oc_client *c, oc_xfer *x, oc_error *err);

/* rate.c: the client's budget (its own, or the hooks') */
extern long oc_client_rate_admit(oc_client *c, oc_bucket b, int64_t *ticket);
/* what the client waits for (c->waiting), as it begins or ends a wait */
extern void oc_client_rate_wait(oc_client *c, oc_bucket b, long wait_ms,
								long limit, long left);
extern void oc_client_retry_wait(oc_client *c, long wait_ms);
extern void oc_client_wait_over(oc_client *c);
/* a wait the hook asked to stop: OC_ERR_CANCELLED, naming what it waited on */
extern void oc_set_cancelled(oc_client *c, oc_error *err);
extern void oc_client_rate_done(oc_client *c, oc_bucket b, int64_t ticket,
								int sent, const oc_rate_reply *r);

/* client.c */
/* query parameter `name` in a URL; the URL without it (malloc'd, NULL: OOM) */
extern int	oc_url_has_param(const char *url, const char *name);
extern char *oc_url_without_param(const char *url, const char *name);
/* the projection fallback of a cursor (see client.c); its next request */
extern int	oc_cursor_projection_refused(oc_cursor *cur, long status);
extern void oc_cursor_reply_ok(oc_cursor *cur);
extern const char *oc_cursor_target(const oc_cursor *cur);

#endif							/* OC_INTERNAL_H */
