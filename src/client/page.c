/*
 * page.c
 *      Parsing what Okta sends: JSON pages, Link headers, error bodies and
 *      WWW-Authenticate challenges.
 */
#include "oc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct oc_page
{
	json_object *root;			/* array, or the single object */
	int			is_array;
	size_t		bytes;
};

size_t
oc_page_count(const oc_page *p)
{
	if (p == NULL || p->root == NULL)
		return 0;
	return p->is_array ? json_object_array_length(p->root) : 1;
}

json_object *
oc_page_item(const oc_page *p, size_t i)
{
	if (p == NULL || i >= oc_page_count(p))
		return NULL;
	return p->is_array ? json_object_array_get_idx(p->root, i) : p->root;
}

size_t
oc_page_bytes(const oc_page *p)
{
	return p ? p->bytes : 0;
}

void
oc_page_free(oc_page *p)
{
	if (p == NULL)
		return;
	if (p->root)
		json_object_put(p->root);
	free(p);
}

static json_object *
parse_json(const char *body, size_t len, char *why, size_t whylen)
{
	json_tokener *tok;
	json_object *root;
	enum json_tokener_error jerr;

	if (len > (size_t) OC_MAX_BODY_BYTES || len > 0x7fffffff)
	{
		oc_copy(why, whylen, "reply too large");
		return NULL;
	}
	tok = json_tokener_new_ex(64);
	if (tok == NULL)
	{
		oc_copy(why, whylen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int) len);
	jerr = json_tokener_get_error(tok);
	if (root == NULL || jerr != json_tokener_success)
	{
		if (jerr == json_tokener_continue)
			oc_copy(why, whylen, "reply ends early (truncated JSON)");
		else
			oc_copy(why, whylen, json_tokener_error_desc(jerr));
		if (root)
			json_object_put(root);
		json_tokener_free(tok);
		return NULL;
	}
	/* nothing but white space may follow the value */
	{
		size_t		off = json_tokener_get_parse_end(tok);

		while (off < len && strchr(" \t\r\n", body[off]) != NULL && body[off] != '\0')
			off++;
		if (off < len)
		{
			oc_copy(why, whylen, "unexpected data after the JSON value");
			json_object_put(root);
			json_tokener_free(tok);
			return NULL;
		}
	}
	json_tokener_free(tok);
	return root;
}

oc_page *
oc_page_parse(const char *body, size_t len, int want_array, oc_error *err)
{
	char		why[128];
	json_object *root;
	oc_page    *p;

	root = parse_json(body, len, why, sizeof(why));
	if (root == NULL)
	{
		oc_set_error(err, OC_ERR_PARSE, "invalid JSON in Okta reply: %s", why);
		return NULL;
	}
	if (want_array)
	{
		size_t		i,
					n;

		if (!json_object_is_type(root, json_type_array))
		{
			oc_set_error(err, OC_ERR_PARSE, "Okta reply is not a JSON array");
			json_object_put(root);
			return NULL;
		}
		n = json_object_array_length(root);
		for (i = 0; i < n; i++)
		{
			if (!json_object_is_type(json_object_array_get_idx(root, i), json_type_object))
			{
				oc_set_error(err, OC_ERR_PARSE,
							 "element %zu of the Okta reply is not a JSON object", i);
				json_object_put(root);
				return NULL;
			}
		}
	}
	else if (!json_object_is_type(root, json_type_object))
	{
		oc_set_error(err, OC_ERR_PARSE, "Okta reply is not a JSON object");
		json_object_put(root);
		return NULL;
	}
	p = calloc(1, sizeof(oc_page));
	if (p == NULL)
	{
		json_object_put(root);
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return NULL;
	}
	p->root = root;
	p->is_array = want_array;
	p->bytes = len;
	return p;
}

/*
 * The rel="next" target of a Link header value, or NULL.  A value may hold
 * several comma-separated links; rel may list several space-separated
 * relation types.
 */
char *
oc_link_next(const char *v)
{
	const char *p = v;

	while (*p)
	{
		const char *ustart,
				   *uend;
		int			is_next = 0;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p != '<')
			return NULL;
		ustart = p + 1;
		uend = strchr(ustart, '>');
		if (uend == NULL)
			return NULL;
		p = uend + 1;
		/* parameters up to the next link */
		while (*p && *p != ',')
		{
			const char *name,
					   *val;
			size_t		nlen,
						vlen;

			while (*p == ';' || *p == ' ' || *p == '\t')
				p++;
			name = p;
			while (*p && *p != '=' && *p != ';' && *p != ',')
				p++;
			nlen = (size_t) (p - name);
			while (nlen > 0 && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
				nlen--;
			if (*p != '=')
				continue;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '"')
			{
				/* a quoted-string: \x escapes any character */
				val = ++p;
				while (*p && *p != '"')
				{
					if (*p == '\\' && p[1])
						p++;
					p++;
				}
				vlen = (size_t) (p - val);
				if (*p == '"')
					p++;
			}
			else
			{
				val = p;
				while (*p && *p != ';' && *p != ',' && *p != ' ')
					p++;
				vlen = (size_t) (p - val);
			}
			if (nlen == 3 && strncasecmp(name, "rel", 3) == 0)
			{
				/* space-separated list of relation types */
				size_t		i = 0;

				while (i < vlen)
				{
					size_t		j = i;

					while (j < vlen && val[j] != ' ')
						j++;
					if (j - i == 4 && strncasecmp(val + i, "next", 4) == 0)
						is_next = 1;
					i = j + 1;
				}
			}
		}
		if (is_next && uend > ustart)
			return oc_strndup(ustart, (size_t) (uend - ustart));
	}
	return NULL;
}

static void
copy_json_string(json_object *o, const char *key, char *dst, size_t dstlen)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		oc_copy(dst, dstlen, json_object_get_string(v));
}

/*
 * Fill err->code/detail/error_id from an Okta error body
 * ({"errorCode","errorSummary","errorId"}) or an OAuth error body
 * ({"error","error_description"}).  Anything else is left alone.
 */
void
oc_parse_api_error(const char *body, size_t len, oc_error *err)
{
	char		why[64];
	json_object *root;

	if (body == NULL || len == 0)
		return;
	root = parse_json(body, len, why, sizeof(why));
	if (root == NULL)
		return;
	if (json_object_is_type(root, json_type_object))
	{
		copy_json_string(root, "errorCode", err->code, sizeof(err->code));
		copy_json_string(root, "errorSummary", err->detail, sizeof(err->detail));
		copy_json_string(root, "errorId", err->error_id, sizeof(err->error_id));
		if (err->code[0] == '\0')
			copy_json_string(root, "error", err->code, sizeof(err->code));
		if (err->detail[0] == '\0')
			copy_json_string(root, "error_description", err->detail, sizeof(err->detail));
	}
	json_object_put(root);
}

/*
 * Take error= and error_description= from a WWW-Authenticate challenge
 * when the body said nothing.
 */
/* copy a quoted-string value, dropping the backslash of each escape */
static void
copy_quoted(char *dst, size_t dstlen, const char *val, size_t vlen)
{
	size_t		i,
				o = 0;

	for (i = 0; i < vlen && o + 1 < dstlen; i++)
	{
		if (val[i] == '\\' && i + 1 < vlen)
			i++;
		dst[o++] = val[i];
	}
	dst[o] = '\0';
}

void
oc_parse_www_authenticate(const char *value, oc_error *err)
{
	const char *p;

	if (value == NULL)
		return;
	p = value;
	while (*p)
	{
		const char *name = p;
		size_t		nlen;
		const char *val;
		size_t		vlen;

		while (*p && *p != '=' && *p != ' ' && *p != ',')
			p++;
		nlen = (size_t) (p - name);
		if (*p != '=')
		{
			if (*p)
				p++;
			continue;
		}
		p++;
		if (*p == '"')
		{
			val = ++p;
			while (*p && *p != '"')
			{
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			vlen = (size_t) (p - val);
			if (*p)
				p++;
		}
		else
		{
			val = p;
			while (*p && *p != ',' && *p != ' ')
				p++;
			vlen = (size_t) (p - val);
		}
		if (nlen == 5 && strncasecmp(name, "error", 5) == 0 && err->code[0] == '\0')
			copy_quoted(err->code, sizeof(err->code), val, vlen);
		else if (nlen == 17 && strncasecmp(name, "error_description", 17) == 0 &&
				 err->detail[0] == '\0')
			copy_quoted(err->detail, sizeof(err->detail), val, vlen);
		while (*p == ',' || *p == ' ')
			p++;
	}
}
