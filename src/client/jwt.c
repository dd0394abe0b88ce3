/*
 * jwt.c
 *      Private keys, JWS signing (RS256, ES256), DPoP keys and JWKs.
 */
#include "oc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define ENCRYPTED_HINT \
	"Store the key unencrypted, e.g. \"openssl pkey -in key.pem -out plain.pem\"; access to it is protected by PostgreSQL's user mapping privileges."

/* never prompt for a pass phrase: an encrypted key is refused */
static int
no_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	(void) buf;
	(void) size;
	(void) rwflag;
	*(int *) u = 1;
	return -1;
}

#define PEM_WHOLE_HINT \
	"Give the whole PEM text as the key file holds it: the BEGIN line, the base64 lines and the END line, each on a line of its own."

/* Does a line of the text start with white space (and hold more)? */
static int
has_indented_line(const char *text)
{
	const char *line = text;

	while (*line)
	{
		size_t		ws = strspn(line, " \t");

		if (ws > 0 && line[ws + strspn(line + ws, "\r")] != '\n' && line[ws] != '\0')
			return 1;
		line += strcspn(line, "\n");
		if (*line == '\n')
			line++;
	}
	return 0;
}

/*
 * A PEM text that OpenSSL could not parse: say what is wrong with it, from
 * the usual ways a key gets mangled on its way into a SQL statement.  Never
 * quotes the text.
 */
static void
pem_problem(const char *pem, char *errbuf, size_t errlen, char *hint, size_t hintlen)
{
	const char *begin = strstr(pem, "-----BEGIN ");
	const char *label = begin ? begin + 11 : NULL;
	size_t		labellen = label ? strcspn(label, "-\r\n") : 0;
	const char *end = strstr(pem, "-----END ");
	const char *problem;
	const char *fix = PEM_WHOLE_HINT;

	if (has_indented_line(pem))
	{
		problem = "its lines are indented";
		fix = "Remove the spaces or tabs at the start of the PEM text's lines (a key copied from an indented file, a YAML or a JSON document keeps them): each line must start in the first column.";
	}
	else if (strstr(pem, "\\n") != NULL)
	{
		problem = "it holds \"\\n\" escapes instead of line breaks";
		fix = "Give the PEM text with real line breaks, e.g. paste it as a multi-line string, or write it as E'...' so that PostgreSQL turns each \\n into a line break.";
	}
	else if (labellen == 19 && strncmp(label, "OPENSSH PRIVATE KEY", 19) == 0)
	{
		problem = "it is an OpenSSH private key";
		fix = "Convert it to PKCS#8 PEM, e.g. on a copy: \"ssh-keygen -p -N '' -m PKCS8 -f key\".";
	}
	else if (begin != NULL && begin[11 + labellen] == '-' &&
			 strncmp(begin + 11 + labellen, "-----", 5) == 0 &&
			 begin[16 + labellen] != '\n' && begin[16 + labellen] != '\r' &&
			 begin[16 + labellen] != '\0')
		problem = "its line breaks are missing";
	else if (end == NULL)
		problem = "it is cut short: the END line is missing";
	else if (strncmp(end + 9, label ? label : "", labellen) != 0 || end[9 + labellen] != '-')
		problem = "its BEGIN and END lines do not match";
	else
	{
		problem = "its base64 data is damaged or incomplete";
		fix = "Copy the key again, whole, from the PEM file: a line of it is missing or altered.";
	}
	snprintf(errbuf, errlen, "private key could not be parsed: %s", problem);
	if (hint)
		snprintf(hint, hintlen, "%s", fix);
}

EVP_PKEY *
oc_key_load(const char *pem, char *errbuf, size_t errlen,
			char *hint, size_t hintlen)
{
	BIO		   *bio;
	EVP_PKEY   *key;
	int			asked_passphrase = 0;

	if (hint && hintlen)
		hint[0] = '\0';
	if (pem == NULL || *pem == '\0')
	{
		snprintf(errbuf, errlen, "private key is empty");
		return NULL;
	}
	if (strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
		strstr(pem, "Proc-Type: 4,ENCRYPTED"))
	{
		snprintf(errbuf, errlen, "private key is encrypted");
		if (hint)
			snprintf(hint, hintlen, ENCRYPTED_HINT);
		return NULL;
	}
	if (strstr(pem, "-----BEGIN PUBLIC KEY-----") ||
		strstr(pem, "-----BEGIN RSA PUBLIC KEY-----"))
	{
		snprintf(errbuf, errlen, "the value is a public key, not a private key");
		if (hint)
			snprintf(hint, hintlen,
					 "Give the private key of the pair whose public key is registered on the Okta app.");
		return NULL;
	}
	if (strstr(pem, "-----BEGIN CERTIFICATE-----"))
	{
		snprintf(errbuf, errlen, "the value is a certificate, not a private key");
		if (hint)
			snprintf(hint, hintlen,
					 "Give the private key of the pair whose public key is registered on the Okta app.");
		return NULL;
	}
	if (strstr(pem, "-----BEGIN") == NULL)
	{
		snprintf(errbuf, errlen, "private key is not in PEM format");
		if (hint)
			snprintf(hint, hintlen,
					 "Expected a PEM block starting with \"-----BEGIN PRIVATE KEY-----\" (PKCS#8) or \"-----BEGIN RSA PRIVATE KEY-----\" (PKCS#1).");
		return NULL;
	}

	bio = BIO_new_mem_buf(pem, -1);
	if (bio == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase_cb, &asked_passphrase);
	BIO_free(bio);
	ERR_clear_error();
	if (key == NULL)
	{
		if (asked_passphrase)
		{
			snprintf(errbuf, errlen, "private key is encrypted");
			if (hint)
				snprintf(hint, hintlen, ENCRYPTED_HINT);
		}
		else
			pem_problem(pem, errbuf, errlen, hint, hint ? hintlen : 0);
		return NULL;
	}
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
	{
		if (EVP_PKEY_get_bits(key) < 2048)
		{
			snprintf(errbuf, errlen, "RSA private key has %d bits, at least 2048 are required",
					 EVP_PKEY_get_bits(key));
			EVP_PKEY_free(key);
			return NULL;
		}
	}
	else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
	{
		char		curve[64];
		size_t		clen = 0;

		if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
											curve, sizeof(curve), &clen) ||
			strcmp(curve, "prime256v1") != 0)
		{
			snprintf(errbuf, errlen, "EC private key must be on curve P-256");
			EVP_PKEY_free(key);
			return NULL;
		}
	}
	else
	{
		snprintf(errbuf, errlen, "private key must be RSA or EC P-256");
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

int
oc_check_private_key(const char *pem, char *errbuf, size_t errlen,
					 char *hintbuf, size_t hintlen)
{
	EVP_PKEY   *key = oc_key_load(pem, errbuf, errlen, hintbuf, hintlen);

	if (key == NULL)
		return -1;
	EVP_PKEY_free(key);
	return 0;
}

const char *
oc_key_alg(EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "ES256" : "RS256";
}

/* DER ECDSA signature -> JWS R||S (32 bytes each) */
static int
ecdsa_der_to_raw(const unsigned char *der, size_t derlen, unsigned char raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG  *sig = d2i_ECDSA_SIG(NULL, &p, (long) derlen);
	const BIGNUM *r,
			   *s;
	int			ok;

	if (sig == NULL)
		return -1;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -1;
}

int
oc_jws_sign(EVP_PKEY *key, json_object *header, json_object *claims, oc_buf *out)
{
	const char *hs = json_object_to_json_string_ext(header, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	const char *cs = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t		start = out->len;
	EVP_MD_CTX *md;
	unsigned char *sig = NULL;
	size_t		siglen = 0;
	int			ok = 0;

	oc_b64url(out, (const unsigned char *) hs, strlen(hs));
	oc_buf_append(out, ".", 1);
	oc_b64url(out, (const unsigned char *) cs, strlen(cs));
	if (out->failed)
		return -1;

	md = EVP_MD_CTX_new();
	if (md == NULL)
		return -1;
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
		EVP_DigestSign(md, NULL, &siglen, (const unsigned char *) out->data + start,
					   out->len - start) == 1 &&
		(sig = malloc(siglen)) != NULL &&
		EVP_DigestSign(md, sig, &siglen, (const unsigned char *) out->data + start,
					   out->len - start) == 1)
		ok = 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	if (!ok)
	{
		free(sig);
		return -1;
	}
	oc_buf_append(out, ".", 1);
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
	{
		unsigned char raw[64];

		if (ecdsa_der_to_raw(sig, siglen, raw) < 0)
		{
			free(sig);
			return -1;
		}
		oc_b64url(out, raw, 64);
	}
	else
		oc_b64url(out, sig, siglen);
	free(sig);
	return out->failed ? -1 : 0;
}

EVP_PKEY *
oc_dpop_keygen(void)
{
	EVP_PKEY   *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	ERR_clear_error();
	return k;
}

static json_object *
b64_bn(const BIGNUM *bn, int pad)
{
	unsigned char buf[1024];
	int			n;
	oc_buf		b;
	json_object *o;

	if (pad > 0)
		n = BN_bn2binpad(bn, buf, pad);
	else
		n = BN_bn2bin(bn, buf);
	if (n <= 0 || n > (int) sizeof(buf))
		return NULL;
	oc_buf_init(&b);
	oc_b64url(&b, buf, (size_t) n);
	o = b.failed ? NULL : json_object_new_string(b.data);
	oc_buf_free(&b);
	return o;
}

json_object *
oc_jwk_public(EVP_PKEY *key)
{
	json_object *jwk = json_object_new_object();
	BIGNUM	   *a = NULL,
			   *b = NULL;
	int			ok = 0;

	if (jwk == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
	{
		if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &a) &&
			EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &b))
		{
			json_object_object_add(jwk, "kty", json_object_new_string("EC"));
			json_object_object_add(jwk, "crv", json_object_new_string("P-256"));
			json_object_object_add(jwk, "x", b64_bn(a, 32));
			json_object_object_add(jwk, "y", b64_bn(b, 32));
			ok = 1;
		}
	}
	else if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &a) &&
			 EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &b))
	{
		json_object_object_add(jwk, "kty", json_object_new_string("RSA"));
		json_object_object_add(jwk, "n", b64_bn(a, 0));
		json_object_object_add(jwk, "e", b64_bn(b, 0));
		ok = 1;
	}
	BN_free(a);
	BN_free(b);
	ERR_clear_error();
	if (!ok)
	{
		json_object_put(jwk);
		return NULL;
	}
	return jwk;
}

int
oc_new_jti(char out[37])
{
	unsigned char r[16];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	r[6] = (unsigned char) ((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char) ((r[8] & 0x3f) | 0x80);
	snprintf(out, 37,
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
			 r[10], r[11], r[12], r[13], r[14], r[15]);
	return 0;
}

void
oc_sha256_b64url(const char *s, oc_buf *out)
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *) s, strlen(s), d);
	oc_b64url(out, d, sizeof(d));
}
