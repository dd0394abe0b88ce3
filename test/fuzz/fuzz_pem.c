/*
 * fuzz_pem.c
 *      libFuzzer harness: option checks on arbitrary text.
 *
 * The input, as a NUL-terminated string, goes through oc_check_private_key
 * (PEM sniffing, then OpenSSL's decoders: RSA, EC, encrypted, public keys,
 * certificates, garbage) and oc_check_org_url.
 *
 * Checks, beyond memory safety and leaks: a refusal always comes with a
 * message, never with an uninitialised or unterminated buffer; an accepted
 * key really is an RSA key of 2048+ bits or an EC P-256 key (re-loaded with
 * oc_key_load); a text that contains "-----BEGIN ENCRYPTED PRIVATE KEY-----"
 * is always refused; an accepted org URL starts with http(s)://, has no
 * query, fragment, path beyond a trailing '/', white space or control
 * characters.
 */
#include "client/oc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void
check_key(const char *text)
{
	char		errbuf[256];
	char		hint[512];
	int			r;

	/* poison the buffers: the function must write a terminated message */
	memset(errbuf, 'E', sizeof(errbuf));
	memset(hint, 'H', sizeof(hint));
	r = oc_check_private_key(text, errbuf, sizeof(errbuf), hint, sizeof(hint));
	CHECK(r == 0 || r == -1);
	CHECK(memchr(hint, '\0', sizeof(hint)) != NULL);
	if (r == -1)
	{
		CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL);
		CHECK(errbuf[0] != '\0');
	}
	else
	{
		EVP_PKEY   *key;
		int			id;

		CHECK(strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") == NULL);
		key = oc_key_load(text, errbuf, sizeof(errbuf), hint, sizeof(hint));
		CHECK(key != NULL);
		id = EVP_PKEY_get_base_id(key);
		CHECK(id == EVP_PKEY_RSA || id == EVP_PKEY_EC);
		if (id == EVP_PKEY_RSA)
			CHECK(EVP_PKEY_get_bits(key) >= 2048);
		else
			CHECK(EVP_PKEY_get_bits(key) == 256);
		CHECK(strcmp(oc_key_alg(key), id == EVP_PKEY_RSA ? "RS256" : "ES256") == 0);
		EVP_PKEY_free(key);
	}
	/* a tiny error buffer must not be overrun (ASan would see it) */
	{
		char	   *small = malloc(1);
		char	   *smallhint = malloc(1);

		if (small == NULL || smallhint == NULL)
			abort();
		(void) oc_check_private_key(text, small, 1, smallhint, 1);
		free(small);
		free(smallhint);
	}
	ERR_clear_error();
}

static void
check_url(const char *text)
{
	char		errbuf[256];
	int			r;

	memset(errbuf, 'E', sizeof(errbuf));
	r = oc_check_org_url(text, errbuf, sizeof(errbuf));
	CHECK(r == 0 || r == -1);
	if (r == -1)
	{
		CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL);
		CHECK(errbuf[0] != '\0');
	}
	else
	{
		const char *p;
		const char *rest;

		CHECK(strncasecmp(text, "https://", 8) == 0 || strncasecmp(text, "http://", 7) == 0);
		rest = strstr(text, "://") + 3;
		CHECK(*rest != '\0' && *rest != '/' && *rest != ':');
		CHECK(strpbrk(text, "?#@ \\") == NULL);
		for (p = text; *p; p++)
			CHECK((unsigned char) *p > 0x20 && (unsigned char) *p < 0x7f);
		/* no path: at most one '/' after the authority, at the very end */
		p = strchr(rest, '/');
		CHECK(p == NULL || p[1] == '\0');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_key(text);
	check_url(text);
	free(text);
	return 0;
}
