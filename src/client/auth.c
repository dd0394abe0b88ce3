/*
 * auth.c
 *      What a request carries: OAuth 2.0 client credentials with a
 *      private_key_jwt client assertion, DPoP proofs (RFC 9449), the headers
 *      of token and resource requests, and the token cache (a token reply
 *      kept, a token forgotten).  No network here: exchange.c sends the
 *      requests and calls in here for each attempt.
 *
 * Nothing secret (key, assertion, token) is ever copied into an oc_error.
 */
#include "oc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ASSERTION_LIFETIME 300	/* seconds; Okta allows up to 3600 */

static int
build_assertion(oc_client *c, oc_buf *out)
{
	json_object *h = json_object_new_object();
	json_object *cl = json_object_new_object();
	char		jti[37];
	time_t		now = time(NULL);
	int			rc = -1;

	if (h == NULL || cl == NULL || oc_new_jti(jti) < 0)
		goto done;
	json_object_object_add(h, "alg", json_object_new_string(oc_key_alg(c->key)));
	json_object_object_add(h, "typ", json_object_new_string("JWT"));
	if (c->key_id)
		json_object_object_add(h, "kid", json_object_new_string(c->key_id));
	json_object_object_add(cl, "iss", json_object_new_string(c->client_id));
	json_object_object_add(cl, "sub", json_object_new_string(c->client_id));
	json_object_object_add(cl, "aud", json_object_new_string(c->token_url));
	json_object_object_add(cl, "iat", json_object_new_int64((int64_t) now));
	json_object_object_add(cl, "exp", json_object_new_int64((int64_t) now + ASSERTION_LIFETIME));
	json_object_object_add(cl, "jti", json_object_new_string(jti));
	rc = oc_jws_sign(c->key, h, cl, out);
done:
	if (h)
		json_object_put(h);
	if (cl)
		json_object_put(cl);
	return rc;
}

static int
ensure_dpop_key(oc_client *c)
{
	if (c->dpop_key)
		return 0;
	c->dpop_key = oc_dpop_keygen();
	if (c->dpop_key == NULL)
		return -1;
	c->dpop_jwk = oc_jwk_public(c->dpop_key);
	if (c->dpop_jwk == NULL)
	{
		EVP_PKEY_free(c->dpop_key);
		c->dpop_key = NULL;
		return -1;
	}
	return 0;
}

/*
 * htu: the request URL without query or fragment, with its path
 * percent-decoded, as Okta compares it.
 */
static char *
dpop_htu(const char *url)
{
	const char *path = oc_url_path_start(url);
	char	   *decoded;
	oc_buf		b;

	oc_buf_init(&b);
	oc_buf_append(&b, url, (size_t) (path - url));
	if (*path == '/')
	{
		decoded = oc_percent_decode(path, strcspn(path, "?#"));
		if (decoded == NULL)
		{
			oc_buf_free(&b);
			return NULL;
		}
		oc_buf_puts(&b, decoded);
		free(decoded);
	}
	else
		oc_buf_puts(&b, "/");
	return oc_buf_take(&b);
}

static int
build_dpop_proof(oc_client *c, const char *method, const char *url,
				 const char *access_token, const char *nonce, oc_buf *out)
{
	json_object *h = NULL;
	json_object *cl = NULL;
	char		jti[37];
	char	   *htu = NULL;
	int			rc = -1;

	if (ensure_dpop_key(c) < 0 || oc_new_jti(jti) < 0)
		return -1;
	htu = dpop_htu(url);
	h = json_object_new_object();
	cl = json_object_new_object();
	if (htu == NULL || h == NULL || cl == NULL)
		goto done;
	json_object_object_add(h, "typ", json_object_new_string("dpop+jwt"));
	json_object_object_add(h, "alg", json_object_new_string(oc_key_alg(c->dpop_key)));
	json_object_object_add(h, "jwk", json_object_get(c->dpop_jwk));
	json_object_object_add(cl, "htm", json_object_new_string(method));
	json_object_object_add(cl, "htu", json_object_new_string(htu));
	json_object_object_add(cl, "iat", json_object_new_int64((int64_t) time(NULL)));
	json_object_object_add(cl, "jti", json_object_new_string(jti));
	if (nonce)
		json_object_object_add(cl, "nonce", json_object_new_string(nonce));
	if (access_token)
	{
		oc_buf		ath;

		oc_buf_init(&ath);
		oc_sha256_b64url(access_token, &ath);
		if (ath.failed)
		{
			oc_buf_free(&ath);
			goto done;
		}
		json_object_object_add(cl, "ath", json_object_new_string(ath.data));
		oc_buf_free(&ath);
	}
	rc = oc_jws_sign(c->dpop_key, h, cl, out);
done:
	free(htu);
	if (h)
		json_object_put(h);
	if (cl)
		json_object_put(cl);
	return rc;
}

/* *failed of add_header: what went wrong */
#define HEADER_NOMEM	1
#define HEADER_REFUSED	2

/*
 * list with the line "name: value" added.  A value with a control character
 * (CR and LF above all: libcurl sends a header line as given, so they would
 * end it and start another header, or another request) is refused, whatever
 * it came from: an option written before the validator refused them or
 * straight into the catalog, or a token from a reply.  (NUL cannot be in a
 * C string; no value of ours needs the HTAB that HTTP would allow.)
 */
static struct curl_slist *
add_header(struct curl_slist *list, const char *name, const char *value, int *failed)
{
	oc_buf		b;
	struct curl_slist *n;

	/* no value: a buffer that ran out of memory */
	if (*failed || value == NULL)
	{
		if (!*failed)
			*failed = HEADER_NOMEM;
		return list;
	}
	if (oc_has_control_char(value))
	{
		*failed = HEADER_REFUSED;
		return list;
	}
	oc_buf_init(&b);
	oc_buf_puts(&b, name);
	oc_buf_puts(&b, ": ");
	oc_buf_puts(&b, value);
	if (!b.failed)
		n = curl_slist_append(list, b.data);
	else
		n = NULL;
	/* the line may hold a token or a proof: wipe it (what of it there is) */
	if (b.data)
		memset(b.data, 0, b.len);
	oc_buf_free(&b);
	if (n == NULL)
	{
		*failed = HEADER_NOMEM;
		return list;
	}
	return n;
}

/* err for a header list that could not be built */
static void
header_error(int failed, const char *what, oc_error *err)
{
	if (failed == HEADER_REFUSED)
		oc_set_error(err, OC_ERR_CONFIG,
					 "refused to send %s: a header value holds a control character", what);
	else
		oc_set_error(err, OC_ERR_NOMEM, "could not build %s", what);
}

/* Headers of a resource request: Accept, Authorization and DPoP. */
int
oc_auth_headers(oc_client *c, const char *method, const char *url,
				struct curl_slist **headers, oc_error *err)
{
	struct curl_slist *h = NULL;
	int			failed = 0;
	oc_buf		v;

	oc_buf_init(&v);
	h = add_header(h, "Accept", "application/json", &failed);
	if (c->api_token)
	{
		oc_buf_puts(&v, "SSWS ");
		oc_buf_puts(&v, c->api_token);
		h = add_header(h, "Authorization", v.data, &failed);
	}
	else if (c->token_is_dpop)
	{
		oc_buf		proof;

		oc_buf_puts(&v, "DPoP ");
		oc_buf_puts(&v, c->access_token);
		h = add_header(h, "Authorization", v.data, &failed);
		oc_buf_init(&proof);
		if (build_dpop_proof(c, method, url, c->access_token,
							 c->resource_nonce, &proof) < 0)
			failed = HEADER_NOMEM;
		else
			h = add_header(h, "DPoP", proof.data, &failed);
		oc_buf_free(&proof);
	}
	else
	{
		oc_buf_puts(&v, "Bearer ");
		oc_buf_puts(&v, c->access_token ? c->access_token : "");
		h = add_header(h, "Authorization", v.data, &failed);
	}
	if (v.data)
		memset(v.data, 0, v.len);
	oc_buf_free(&v);
	if (failed || v.failed)
	{
		curl_slist_free_all(h);
		header_error(failed ? failed : HEADER_NOMEM, "the request headers", err);
		return -1;
	}
	*headers = h;
	return 0;
}

void
oc_forget_token(oc_client *c)
{
	if (c->access_token)
	{
		memset(c->access_token, 0, strlen(c->access_token));
		free(c->access_token);
	}
	c->access_token = NULL;
	c->token_is_dpop = 0;
	c->token_expires = 0;
	free(c->granted_scopes);
	c->granted_scopes = NULL;
}

void
oc_client_reset_token(oc_client *c)
{
	if (c == NULL)
		return;
	oc_forget_token(c);
	free(c->dpop_nonce);
	c->dpop_nonce = NULL;
	free(c->resource_nonce);
	c->resource_nonce = NULL;
}

/*
 * Keep the access token of a token endpoint's 200 reply (with its type,
 * lifetime and granted scopes).  0, or -1 with err set (OC_ERR_AUTH when
 * the reply holds no token).
 */
int
oc_store_token(oc_client *c, const oc_buf *body, oc_error *err)
{
	oc_page    *p = oc_page_parse(body->data ? body->data : "", body->len, 0, err);
	json_object *root,
			   *v;
	const char *type = "Bearer";
	long		expires_in = 3600;

	if (p == NULL)
	{
		/* out of memory stays so; anything else is the reply's fault */
		if (err->kind != OC_ERR_NOMEM)
		{
			err->kind = OC_ERR_AUTH;
			oc_copy(err->message, sizeof(err->message), "the token endpoint sent an invalid reply");
		}
		return -1;
	}
	root = oc_page_item(p, 0);
	if (root == NULL)
	{
		/* the reply is a valid object: only memory can be lacking */
		oc_page_free(p);
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return -1;
	}
	if (!json_object_object_get_ex(root, "access_token", &v) ||
		!json_object_is_type(v, json_type_string) ||
		json_object_get_string_len(v) == 0)
	{
		oc_page_free(p);
		oc_set_error(err, OC_ERR_AUTH, "the token endpoint sent no access token");
		return -1;
	}
	oc_forget_token(c);
	c->access_token = oc_strdup(json_object_get_string(v));
	c->token_gen++;
	if (json_object_object_get_ex(root, "token_type", &v) &&
		json_object_is_type(v, json_type_string))
		type = json_object_get_string(v);
	c->token_is_dpop = strcasecmp(type, "DPoP") == 0;
	if (json_object_object_get_ex(root, "expires_in", &v) &&
		json_object_is_type(v, json_type_int))
		expires_in = (long) json_object_get_int64(v);
	if (json_object_object_get_ex(root, "scope", &v) &&
		json_object_is_type(v, json_type_string))
		c->granted_scopes = oc_strdup(json_object_get_string(v));
	c->token_expires = time(NULL) + expires_in;
	oc_page_free(p);
	if (c->access_token == NULL)
	{
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return -1;
	}
	return 0;
}

/* the form body of a token request; NULL on failure */
static char *
token_form(oc_client *c)
{
	oc_buf		form;
	oc_buf		assertion;

	oc_buf_init(&form);
	oc_buf_init(&assertion);
	if (build_assertion(c, &assertion) < 0)
	{
		oc_buf_free(&assertion);
		return NULL;
	}
	oc_buf_puts(&form, "grant_type=client_credentials&scope=");
	oc_encode_query_value(&form, c->scopes);
	oc_buf_puts(&form, "&client_assertion_type=");
	oc_encode_query_value(&form, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
	oc_buf_puts(&form, "&client_assertion=");
	oc_buf_puts(&form, assertion.data);
	memset(assertion.data, 0, assertion.len);
	oc_buf_free(&assertion);
	if (form.failed && form.data)
		memset(form.data, 0, form.len);	/* what of the assertion it holds */
	return oc_buf_take(&form);
}

/*
 * What one token request carries: *form, its body with a fresh client
 * assertion (malloc'd: the caller wipes and frees it), and *headers, with a
 * DPoP proof (and the authorization server's nonce, once known) when DPoP
 * is in use.  0, or -1 with err set and nothing to free.
 */
int
oc_token_request(oc_client *c, char **form, struct curl_slist **headers,
				 oc_error *err)
{
	struct curl_slist *h = NULL;
	int			failed = 0;

	*headers = NULL;
	*form = token_form(c);
	if (*form == NULL)
	{
		oc_set_error(err, OC_ERR_AUTH, "could not sign the client assertion");
		return -1;
	}
	h = add_header(h, "Accept", "application/json", &failed);
	h = add_header(h, "Content-Type", "application/x-www-form-urlencoded", &failed);
	if (c->use_dpop)
	{
		oc_buf		proof;

		oc_buf_init(&proof);
		if (build_dpop_proof(c, "POST", c->token_url, NULL, c->dpop_nonce, &proof) < 0)
			failed = HEADER_NOMEM;
		else
			h = add_header(h, "DPoP", proof.data, &failed);
		oc_buf_free(&proof);
	}
	if (failed)
	{
		curl_slist_free_all(h);
		memset(*form, 0, strlen(*form));
		free(*form);
		*form = NULL;
		header_error(failed, "the token request", err);
		return -1;
	}
	*headers = h;
	return 0;
}

const char *
oc_client_auth_method(const oc_client *c)
{
	if (c->api_token)
		return "api_token";
	/* with a token, what Okta issued; before one, what is asked for */
	if (c->access_token ? c->token_is_dpop : c->use_dpop)
		return "private_key_jwt+dpop";
	return "private_key_jwt";
}

long
oc_client_token_expires_in(const oc_client *c)
{
	if (c->access_token == NULL)
		return -1;
	return (long) (c->token_expires - time(NULL));
}

const char *
oc_client_granted_scopes(const oc_client *c)
{
	return c->granted_scopes;
}
