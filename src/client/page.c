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
	char	   *text;			/* a copy of the body, NUL-terminated */
	size_t		bytes;
	oc_jnode   *nodes;
	uint32_t	nnodes;
	uint32_t   *items;			/* node of each item */
	size_t		nitems;
	json_object **trees;		/* oc_page_item's json-c trees, on demand */
	int			refs;
};

size_t
oc_page_count(const oc_page *p)
{
	return p ? p->nitems : 0;
}

size_t
oc_page_bytes(const oc_page *p)
{
	return p ? p->bytes : 0;
}

const char *
oc_page_text(const oc_page *p)
{
	return p->text;
}

const oc_jnode *
oc_page_nodes(const oc_page *p)
{
	return p->nodes;
}

uint32_t
oc_page_item_node(const oc_page *p, size_t i)
{
	return (p && i < p->nitems) ? p->items[i] : 0;
}

json_object *
oc_page_item(const oc_page *p, size_t i)
{
	oc_page    *mp = (oc_page *) p;
	const oc_jnode *nd;

	if (p == NULL || i >= p->nitems)
		return NULL;
	if (mp->trees == NULL)
	{
		mp->trees = calloc(p->nitems, sizeof(json_object *));
		if (mp->trees == NULL)
			return NULL;
	}
	if (mp->trees[i] == NULL)
	{
		/* the text was validated by the tape: json-c takes it as it is */
		json_tokener *tok = json_tokener_new_ex(OC_JSON_MAX_DEPTH + 1);

		if (tok == NULL)
			return NULL;
		nd = &p->nodes[p->items[i]];
		mp->trees[i] = json_tokener_parse_ex(tok, p->text + nd->off, (int) nd->len);
		json_tokener_free(tok);
	}
	return mp->trees[i];
}

oc_page *
oc_page_ref(oc_page *p)
{
	if (p)
		p->refs++;
	return p;
}

void
oc_page_free(oc_page *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	if (p->trees)
	{
		size_t		i;

		for (i = 0; i < p->nitems; i++)
			if (p->trees[i])
				json_object_put(p->trees[i]);
		free(p->trees);
	}
	free(p->items);
	free(p->nodes);
	free(p->text);
	free(p);
}

oc_page *
oc_page_parse(const char *body, size_t len, int want_array, oc_error *err)
{
	char	   *copy;

	if (len > (size_t) OC_MAX_BODY_BYTES)
	{
		oc_set_error(err, OC_ERR_PARSE, "invalid JSON in Okta reply: reply too large");
		return NULL;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
	{
		oc_set_error(err, OC_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(copy, body, len);
	copy[len] = '\0';
	return oc_page_parse_take(copy, len, want_array, err);
}

oc_page *
oc_page_parse_take(char *body, size_t len, int want_array, oc_error *err)
{
	const char *why = NULL;
	size_t		where = 0;
	oc_page    *p = calloc(1, sizeof(oc_page));
	const oc_jnode *root;

	if (p == NULL)
	{
		free(body);
		goto nomem;
	}
	p->refs = 1;
	p->bytes = len;
	p->text = body;
	if (len > (size_t) OC_MAX_BODY_BYTES)
	{
		oc_set_error(err, OC_ERR_PARSE, "invalid JSON in Okta reply: reply too large");
		goto fail;
	}
	p->nodes = oc_json_tape(p->text, len, &p->nnodes, &why, &where);
	if (p->nodes == NULL)
	{
		if (why && strcmp(why, OC_JSON_TOO_MANY) == 0)
			oc_set_error(err, OC_ERR_LIMIT, "Okta reply holds more than %ld JSON values",
						 (long) OC_JSON_MAX_NODES);
		else if (why && strstr(why, "truncated"))
			oc_set_error(err, OC_ERR_PARSE, "invalid JSON in Okta reply: %s", why);
		else
			oc_set_error(err, OC_ERR_PARSE, "invalid JSON in Okta reply: %s at byte %zu",
						 why ? why : "empty reply", where);
		goto fail;
	}
	root = &p->nodes[0];
	if (want_array == OC_PAGE_VALUE)
	{
		/* {"value": [...], "_links": {"next": {"href": "..."}}} */
		uint32_t	v = 0;

		if (root->type == OC_JOBJECT)
			v = oc_json_get(p->text, p->nodes, 0, "value", 5);
		if (v == 0 || p->nodes[v].type != OC_JARRAY)
		{
			oc_set_error(err, OC_ERR_PARSE, "Okta reply is not an object with a \"value\" array");
			goto fail;
		}
		root = &p->nodes[v];
	}
	if (want_array)
	{
		uint32_t	k;
		size_t		i = 0;

		if (root->type != OC_JARRAY)
		{
			oc_set_error(err, OC_ERR_PARSE, "Okta reply is not a JSON array");
			goto fail;
		}
		p->items = malloc(sizeof(uint32_t) * (root->count ? root->count : 1));
		if (p->items == NULL)
			goto nomem;
		for (k = (uint32_t) (root - p->nodes) + 1; k < root->end; k = p->nodes[k].end, i++)
		{
			if (p->nodes[k].type != OC_JOBJECT)
			{
				oc_set_error(err, OC_ERR_PARSE,
							 "element %zu of the Okta reply is not a JSON object", i);
				goto fail;
			}
			p->items[i] = k;
		}
		p->nitems = i;
	}
	else
	{
		if (root->type != OC_JOBJECT)
		{
			oc_set_error(err, OC_ERR_PARSE, "Okta reply is not a JSON object");
			goto fail;
		}
		p->items = malloc(sizeof(uint32_t));
		if (p->items == NULL)
			goto nomem;
		p->items[0] = 0;
		p->nitems = 1;
	}
	return p;

nomem:
	oc_set_error(err, OC_ERR_NOMEM, "out of memory");
fail:
	if (p)
	{
		p->refs = 1;
		oc_page_free(p);
	}
	return NULL;
}

/*
 * The value of a header parameter (name=value) at p: a quoted-string, whose
 * text (escapes left in: a backslash escapes any character) is *val, *vlen,
 * or a token, which ends at one of the characters of stops or at the end.
 * Returns where the header goes on: past a quoted-string's closing quote,
 * at a token's stop.
 */
static const char *
param_value(const char *p, const char *stops, const char **val, size_t *vlen)
{
	if (*p == '"')
	{
		*val = ++p;
		while (*p && *p != '"')
		{
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		*vlen = (size_t) (p - *val);
		return *p ? p + 1 : p;
	}
	*val = p;
	while (*p && strchr(stops, *p) == NULL)
		p++;
	*vlen = (size_t) (p - *val);
	return p;
}

/*
 * Where the rel="next" target of a Link header value stands: 1 with *url
 * and *len (in v), or 0 when there is none.  A value may hold several
 * comma-separated links; rel may list several space-separated relation
 * types.
 */
int
oc_link_find_next(const char *v, const char **url, size_t *len)
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
			return 0;
		ustart = p + 1;
		uend = strchr(ustart, '>');
		if (uend == NULL)
			return 0;
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
			p = param_value(p, ";, ", &val, &vlen);
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
		{
			*url = ustart;
			*len = (size_t) (uend - ustart);
			return 1;
		}
	}
	return 0;
}

/* A copy of the rel="next" target of a Link header value, or NULL. */
char *
oc_link_next(const char *v)
{
	const char *url;
	size_t		len;

	return oc_link_find_next(v, &url, &len) ? oc_strndup(url, len) : NULL;
}

/*
 * A top-level string member of an object page, unescaped, into dst: as
 * printable ASCII (codes, ids), or as text (UTF-8 without controls) when
 * text is set.  Either way it is fit for a message (see oc_copy_text).
 */
static void
copy_json_string(const oc_page *p, const char *key, char *dst, size_t dstlen,
				 int text)
{
	uint32_t	v = oc_json_get(p->text, p->nodes, 0, key, strlen(key));
	char	   *s;
	size_t		n;

	if (v == 0 || p->nodes[v].type != OC_JSTRING)
		return;
	s = malloc(p->nodes[v].len + 1);
	if (s == NULL)
		return;
	n = oc_json_unescape(p->text + p->nodes[v].off, p->nodes[v].len, s);
	if (text)
		oc_copy_text(dst, dstlen, s, n);
	else
		oc_copy_printable(dst, dstlen, s, n);
	free(s);
}

/*
 * Fill err->code/detail/error_id from an Okta error body
 * ({"errorCode","errorSummary","errorId"}) or an OAuth error body
 * ({"error","error_description"}).  Anything else is left alone.
 */
void
oc_parse_api_error(const char *body, size_t len, oc_error *err)
{
	oc_error	perr;
	oc_page    *page;

	if (body == NULL || len == 0)
		return;
	page = oc_page_parse(body, len, 0, &perr);
	if (page)
	{
		copy_json_string(page, "errorCode", err->code, sizeof(err->code), 0);
		copy_json_string(page, "errorSummary", err->detail, sizeof(err->detail), 1);
		copy_json_string(page, "errorId", err->error_id, sizeof(err->error_id), 0);
		if (err->code[0] == '\0')
			copy_json_string(page, "error", err->code, sizeof(err->code), 0);
		if (err->detail[0] == '\0')
			copy_json_string(page, "error_description", err->detail, sizeof(err->detail), 1);
	}
	oc_page_free(page);
}

/*
 * copy a quoted-string value, dropping the backslash of each escape; as
 * printable ASCII (a header's bytes are not text of any known encoding)
 */
static void
copy_quoted(char *dst, size_t dstlen, const char *val, size_t vlen)
{
	size_t		i,
				o = 0;

	for (i = 0; i < vlen && o + 1 < dstlen; i++)
	{
		unsigned char ch;

		if (val[i] == '\\' && i + 1 < vlen)
			i++;
		ch = (unsigned char) val[i];
		dst[o++] = (ch >= 0x20 && ch < 0x7f) ? (char) ch : '?';
	}
	dst[o] = '\0';
}

/*
 * Take error= and error_description= from a WWW-Authenticate challenge
 * when the body said nothing.
 */
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
		p = param_value(p + 1, ", ", &val, &vlen);
		if (nlen == 5 && strncasecmp(name, "error", 5) == 0 && err->code[0] == '\0')
			copy_quoted(err->code, sizeof(err->code), val, vlen);
		else if (nlen == 17 && strncasecmp(name, "error_description", 17) == 0 &&
				 err->detail[0] == '\0')
			copy_quoted(err->detail, sizeof(err->detail), val, vlen);
		while (*p == ',' || *p == ' ')
			p++;
	}
}

/*
 * The next page's link of a page whose body carries it (OC_PAGE_VALUE:
 * _links.next.href), malloc'd; NULL when there is none (or no memory:
 * *nomem set).
 */
char *
oc_page_body_next(const oc_page *p, int *nomem)
{
	uint32_t	n;
	char	   *url;
	size_t		len;

	*nomem = 0;
	n = oc_json_get(p->text, p->nodes, 0, "_links", 6);
	if (n)
		n = oc_json_get(p->text, p->nodes, n, "next", 4);
	if (n)
		n = oc_json_get(p->text, p->nodes, n, "href", 4);
	if (n == 0 || p->nodes[n].type != OC_JSTRING)
		return NULL;
	url = malloc(p->nodes[n].len + 1);
	if (url == NULL)
	{
		*nomem = 1;
		return NULL;
	}
	len = oc_json_unescape(p->text + p->nodes[n].off, p->nodes[n].len, url);
	url[len] = '\0';
	if (strlen(url) != len)
	{
		free(url);
		return NULL;			/* a NUL in it: no link */
	}
	return url;
}
