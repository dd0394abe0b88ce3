/*
 * fuzz_page.c
 *      libFuzzer harness: reply parsing.
 *
 * Input: byte 0 selects the shape (bit 0: want_array), the rest is the
 * reply body.  The body goes through oc_page_parse, then every item of the
 * page is walked with the json-c getters; the same body goes through
 * oc_parse_api_error (length-delimited) and, as a NUL-terminated copy,
 * through oc_parse_www_authenticate.
 *
 * Checks, beyond memory safety: a parsed page has the asked-for shape
 * (array of objects, or one object), its counts and byte size agree, and
 * the fixed-size fields of oc_error always end up NUL-terminated.
 */
#include "client/oc_internal.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

/* touch every value below o with the json-c getters */
static void
walk(json_object *o, int depth)
{
	if (depth > 200)
		__builtin_trap();		/* the parser allows 64 levels */
	switch (json_object_get_type(o))
	{
		case json_type_null:
			sink += o == NULL;
			break;
		case json_type_boolean:
			sink += (size_t) json_object_get_boolean(o);
			break;
		case json_type_double:
			sink += (size_t) (json_object_get_double(o) != 0.0);
			sink += (size_t) json_object_get_int64(o);
			break;
		case json_type_int:
			sink += (size_t) json_object_get_int64(o);
			sink += (size_t) json_object_get_uint64(o);
			sink += (size_t) json_object_get_int(o);
			sink += (size_t) (json_object_get_double(o) != 0.0);
			break;
		case json_type_string:
			{
				const char *s = json_object_get_string(o);
				int			n = json_object_get_string_len(o);

				if (s == NULL || n < 0 || (size_t) n < strlen(s))
					__builtin_trap();
				sink += (size_t) n + (n > 0 ? (unsigned char) s[n - 1] : 0);
				sink += (size_t) json_object_get_int64(o);
				sink += (size_t) json_object_get_boolean(o);
				break;
			}
		case json_type_array:
			{
				size_t		i,
							n = json_object_array_length(o);

				for (i = 0; i < n; i++)
					walk(json_object_array_get_idx(o, i), depth + 1);
				if (json_object_array_get_idx(o, n) != NULL)
					__builtin_trap();
				break;
			}
		case json_type_object:
			{
				json_object_object_foreach(o, key, val)
				{
					json_object *again = NULL;

					sink += strlen(key);
					if (!json_object_object_get_ex(o, key, &again))
						__builtin_trap();
					walk(val, depth + 1);
				}
				sink += (size_t) json_object_object_length(o);
				break;
			}
	}
}

static void
check_error_fields(const oc_error *err)
{
	if (memchr(err->message, '\0', sizeof(err->message)) == NULL ||
		memchr(err->detail, '\0', sizeof(err->detail)) == NULL ||
		memchr(err->code, '\0', sizeof(err->code)) == NULL ||
		memchr(err->error_id, '\0', sizeof(err->error_id)) == NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			want_array;
	const char *body;
	size_t		len;
	char	   *copy;
	oc_page    *p;
	oc_error	err;

	if (size < 1)
		return 0;
	want_array = data[0] & 1;
	body = (const char *) data + 1;
	len = size - 1;

	oc_error_clear(&err);
	p = oc_page_parse(body, len, want_array, &err);
	if (p == NULL)
	{
		if (err.kind != OC_ERR_PARSE || err.message[0] == '\0')
			__builtin_trap();
	}
	else
	{
		size_t		i,
					n = oc_page_count(p);

		if (err.kind != OC_OK || oc_page_bytes(p) != len)
			__builtin_trap();
		if (!want_array && n != 1)
			__builtin_trap();
		for (i = 0; i < n; i++)
		{
			json_object *item = oc_page_item(p, i);

			if (!json_object_is_type(item, json_type_object))
				__builtin_trap();
			walk(item, 0);
		}
		if (oc_page_item(p, n) != NULL || oc_page_item(p, (size_t) -1) != NULL)
			__builtin_trap();
		oc_page_free(p);
	}
	check_error_fields(&err);

	/* error bodies: Okta's and OAuth's */
	oc_error_clear(&err);
	oc_parse_api_error(body, len, &err);
	check_error_fields(&err);

	/* the same bytes as a WWW-Authenticate value, on a clean error ... */
	copy = malloc(len + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, body, len);
	copy[len] = '\0';
	oc_error_clear(&err);
	oc_parse_www_authenticate(copy, &err);
	check_error_fields(&err);
	/* ... and on one the body already filled (it must then keep them) */
	{
		oc_error	before;

		oc_error_clear(&err);
		oc_copy(err.code, sizeof(err.code), "E0000011");
		oc_copy(err.detail, sizeof(err.detail), "Invalid token provided");
		before = err;
		oc_parse_www_authenticate(copy, &err);
		if (memcmp(before.code, err.code, sizeof(err.code)) != 0 ||
			memcmp(before.detail, err.detail, sizeof(err.detail)) != 0 ||
			err.kind != OC_OK || err.error_id[0] != '\0')
			__builtin_trap();
	}
	free(copy);
	return 0;
}
