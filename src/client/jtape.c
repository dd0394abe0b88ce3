/*
 * jtape.c
 *      A strict, single-pass JSON parser that turns a reply body into a
 *      flat "tape" of nodes (one per value, key included, in document
 *      order), plus the few helpers the row path needs.
 *
 * Why not json-c: a users page is ~200 objects of ~60 values each, and
 * building json-c's tree (a heap object and a hash table per object, a
 * copy of every string) cost more than everything else a row needs.  The
 * tape is one array; strings stay where they are in the body and are
 * unescaped only when a caller asks, so a value that is never read costs
 * nothing beyond the scan that validated it.
 *
 * Strictness (RFC 8259): one value with white space around it; no
 * comments, trailing commas, single quotes, leading zeros, NaN or bare
 * control characters; escapes checked, \u surrogates must pair; every
 * string must be valid UTF-8 (no overlong forms, no encoded surrogates,
 * nothing above U+10FFFF); at most OC_JSON_MAX_DEPTH levels of nesting.
 */
#include "oc_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct jparser
{
	const unsigned char *s;
	size_t		len;
	size_t		pos;
	oc_jnode   *nodes;
	uint32_t	n;
	uint32_t	cap;
	const char *why;
} jparser;

static int	parse_value(jparser *p, int depth);

static inline void
skip_ws(jparser *p)
{
	while (p->pos < p->len)
	{
		unsigned char c = p->s[p->pos];

		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			break;
		p->pos++;
	}
}

static int
fail(jparser *p, const char *why)
{
	if (p->why == NULL)
		p->why = why;
	return -1;
}

/* make room for more nodes; 0 or -1 */
static int
grow(jparser *p)
{
	uint32_t	cap = p->cap ? p->cap * 2 : 256;
	oc_jnode   *nn;

	if (cap < p->cap)
		return fail(p, "too many values");
	nn = realloc(p->nodes, sizeof(oc_jnode) * cap);
	if (nn == NULL)
		return fail(p, "out of memory");
	p->nodes = nn;
	p->cap = cap;
	return 0;
}

/* a new node at the end of the tape; its index, or -1 */
static inline long
add_node(jparser *p, oc_jtype type, size_t off)
{
	oc_jnode   *nd;

	if (p->n == p->cap && grow(p) < 0)
		return -1;
	nd = &p->nodes[p->n];
	nd->type = (uint8_t) type;
	nd->escaped = 0;
	nd->spare = 0;
	nd->off = (uint32_t) off;
	nd->len = 0;
	nd->end = p->n + 1;
	nd->count = 0;
	return (long) p->n++;
}

/* four hex digits at s (bounds checked by the caller); -1 if not */
static long
hex4(const unsigned char *s)
{
	long		v = 0;
	int			i;

	for (i = 0; i < 4; i++)
	{
		int			h = oc_hexval(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Length of the valid UTF-8 sequence starting at s (at most avail bytes),
 * whose first byte is >= 0x80; 0 if it is not valid.
 */
static size_t
utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];

	if (c >= 0xC2 && c <= 0xDF)
	{
		if (avail >= 2 && (s[1] & 0xC0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xE0 && c <= 0xEF)
	{
		if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0;			/* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0;			/* a surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4)
	{
		if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
			(s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;			/* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;			/* above U+10FFFF */
		return 4;
	}
	return 0;
}

/* a string at p->pos (the opening quote); adds its node */
static int
parse_string(jparser *p)
{
	const unsigned char *s = p->s;
	size_t		len = p->len;
	size_t		i = p->pos + 1;
	int			escaped = 0;
	long		idx;

	for (;;)
	{
		unsigned char c;

		/*
		 * The common case: plain ASCII, eight bytes at a time (a word has
		 * none of '"', '\\', a control character or a non-ASCII byte when
		 * no byte sets the high bit of these sums), then byte by byte.
		 */
		while (i + 8 <= len)
		{
			uint64_t	w;
			uint64_t	special;

			memcpy(&w, s + i, 8);
			special = ((w ^ 0x2222222222222222ULL) - 0x0101010101010101ULL) |
				((w ^ 0x5C5C5C5C5C5C5C5CULL) - 0x0101010101010101ULL) |
				(w - 0x2020202020202020ULL) | w;
			if (special & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		if (i >= len)
			return fail(p, "reply ends early (truncated JSON)");
		c = s[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, "control character in a string");
		if (c == '\\')
		{
			escaped = 1;
			if (i + 1 >= len)
				return fail(p, "reply ends early (truncated JSON)");
			switch (s[i + 1])
			{
				case '"':
				case '\\':
				case '/':
				case 'b':
				case 'f':
				case 'n':
				case 'r':
				case 't':
					i += 2;
					break;
				case 'u':
					{
						long		u;

						if (i + 6 > len)
							return fail(p, "reply ends early (truncated JSON)");
						u = hex4(s + i + 2);
						if (u < 0)
							return fail(p, "invalid \\u escape");
						i += 6;
						if (u >= 0xDC00 && u <= 0xDFFF)
							return fail(p, "unpaired surrogate in a \\u escape");
						if (u >= 0xD800 && u <= 0xDBFF)
						{
							long		lo;

							if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u')
								return fail(p, "unpaired surrogate in a \\u escape");
							lo = hex4(s + i + 2);
							if (lo < 0xDC00 || lo > 0xDFFF)
								return fail(p, "unpaired surrogate in a \\u escape");
							i += 6;
						}
						break;
					}
				default:
					return fail(p, "invalid escape in a string");
			}
			continue;
		}
		/* c >= 0x80 */
		{
			size_t		n = utf8_seq(s + i, len - i);

			if (n == 0)
				return fail(p, "invalid UTF-8 in a string");
			i += n;
		}
	}
	if (i - p->pos - 1 > UINT32_MAX)
		return fail(p, "string too long");
	idx = add_node(p, OC_JSTRING, p->pos + 1);
	if (idx < 0)
		return -1;
	p->nodes[idx].len = (uint32_t) (i - p->pos - 1);
	p->nodes[idx].escaped = (uint8_t) escaped;
	p->pos = i + 1;
	return 0;
}

static int
parse_number(jparser *p)
{
	const unsigned char *s = p->s;
	size_t		len = p->len;
	size_t		i = p->pos;
	long		idx;

	if (i < len && s[i] == '-')
		i++;
	if (i >= len)
		return fail(p, "reply ends early (truncated JSON)");
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
	{
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	else
		return fail(p, "invalid number");
	if (i < len && s[i] == '.')
	{
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail(p, "invalid number");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail(p, "invalid number");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	/* a number runs up to a delimiter: "01", "1.2.3", "1x" are not JSON */
	if (i < len && !(s[i] == ',' || s[i] == ']' || s[i] == '}' || s[i] == ' ' ||
					 s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
		return fail(p, "invalid number");
	idx = add_node(p, OC_JNUMBER, p->pos);
	if (idx < 0)
		return -1;
	p->nodes[idx].len = (uint32_t) (i - p->pos);
	p->pos = i;
	return 0;
}

static int
parse_literal(jparser *p, const char *word, oc_jtype type)
{
	size_t		n = strlen(word);
	long		idx;

	if (p->len - p->pos < n)
		return fail(p, memcmp(p->s + p->pos, word, p->len - p->pos) == 0
					? "reply ends early (truncated JSON)" : "unexpected character");
	if (memcmp(p->s + p->pos, word, n) != 0)
		return fail(p, "unexpected character");
	idx = add_node(p, type, p->pos);
	if (idx < 0)
		return -1;
	p->nodes[idx].len = (uint32_t) n;
	p->pos += n;
	if (p->pos < p->len)
	{
		unsigned char c = p->s[p->pos];

		if (!(c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' ||
			  c == '\r' || c == '\t'))
			return fail(p, "unexpected character");
	}
	return 0;
}

/* an array or object at p->pos; depth counts the levels around it */
static int
parse_container(jparser *p, int depth)
{
	int			is_object = p->s[p->pos] == '{';
	unsigned char close = is_object ? '}' : ']';
	size_t		start = p->pos;
	long		idx;
	uint32_t	count = 0;

	if (depth >= OC_JSON_MAX_DEPTH)
		return fail(p, "nesting too deep");
	idx = add_node(p, is_object ? OC_JOBJECT : OC_JARRAY, start);
	if (idx < 0)
		return -1;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close)
		p->pos++;
	else
	{
		for (;;)
		{
			if (p->pos >= p->len)
				return fail(p, "reply ends early (truncated JSON)");
			if (is_object)
			{
				if (p->s[p->pos] != '"')
					return fail(p, "object key expected");
				if (parse_string(p) < 0)
					return -1;
				skip_ws(p);
				if (p->pos >= p->len)
					return fail(p, "reply ends early (truncated JSON)");
				if (p->s[p->pos] != ':')
					return fail(p, "':' expected after an object key");
				p->pos++;
				skip_ws(p);
			}
			if (parse_value(p, depth + 1) < 0)
				return -1;
			if (count == UINT32_MAX)
				return fail(p, "too many values");
			count++;
			skip_ws(p);
			if (p->pos >= p->len)
				return fail(p, "reply ends early (truncated JSON)");
			if (p->s[p->pos] == ',')
			{
				p->pos++;
				skip_ws(p);
				continue;
			}
			if (p->s[p->pos] == close)
			{
				p->pos++;
				break;
			}
			return fail(p, is_object ? "',' or '}' expected" : "',' or ']' expected");
		}
	}
	p->nodes[idx].len = (uint32_t) (p->pos - start);
	p->nodes[idx].count = count;
	p->nodes[idx].end = p->n;
	return 0;
}

static int
parse_value(jparser *p, int depth)
{
	if (p->pos >= p->len)
		return fail(p, "reply ends early (truncated JSON)");
	switch (p->s[p->pos])
	{
		case '{':
		case '[':
			return parse_container(p, depth);
		case '"':
			return parse_string(p);
		case 't':
			return parse_literal(p, "true", OC_JTRUE);
		case 'f':
			return parse_literal(p, "false", OC_JFALSE);
		case 'n':
			return parse_literal(p, "null", OC_JNULL);
		default:
			if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
				return parse_number(p);
			return fail(p, "unexpected character");
	}
}

oc_jnode *
oc_json_tape(const char *text, size_t len, uint32_t *nnodes, const char **why,
			 size_t *where)
{
	jparser		p;

	*nnodes = 0;
	*why = NULL;
	if (where)
		*where = 0;
	if (len > (size_t) OC_MAX_BODY_BYTES || len >= UINT32_MAX)
	{
		*why = "reply too large";
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *) text;
	p.len = len;
	/* about a node per ten bytes in Okta's pages: one allocation, mostly */
	p.cap = (uint32_t) (len / 10 + 16);
	p.nodes = malloc(sizeof(oc_jnode) * p.cap);
	if (p.nodes == NULL)
		p.cap = 0;
	skip_ws(&p);
	if (parse_value(&p, 0) == 0)
	{
		skip_ws(&p);
		if (p.pos < p.len)
			fail(&p, "unexpected data after the JSON value");
	}
	if (p.why)
	{
		free(p.nodes);
		*why = p.why;
		if (where)
			*where = p.pos;
		return NULL;
	}
	*nnodes = p.n;
	return p.nodes;
}

static size_t
put_utf8(char *d, long u)
{
	if (u < 0x80)
	{
		d[0] = (char) u;
		return 1;
	}
	if (u < 0x800)
	{
		d[0] = (char) (0xC0 | (u >> 6));
		d[1] = (char) (0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000)
	{
		d[0] = (char) (0xE0 | (u >> 12));
		d[1] = (char) (0x80 | ((u >> 6) & 0x3F));
		d[2] = (char) (0x80 | (u & 0x3F));
		return 3;
	}
	d[0] = (char) (0xF0 | (u >> 18));
	d[1] = (char) (0x80 | ((u >> 12) & 0x3F));
	d[2] = (char) (0x80 | ((u >> 6) & 0x3F));
	d[3] = (char) (0x80 | (u & 0x3F));
	return 4;
}

/*
 * The escape at s[*i] (a backslash) of a validated string of len bytes,
 * decoded into d (room for 4 bytes); returns the bytes written and moves
 * *i past the escape.  Something that cannot be in a validated string ends
 * the string (*i = len, nothing written).
 */
static inline size_t
unescape_one(const unsigned char *s, size_t len, size_t *i, char *d)
{
	size_t		at = *i;
	long		u;

	if (at + 1 >= len)
	{
		*i = len;
		return 0;
	}
	*i = at + 2;
	switch (s[at + 1])
	{
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			{
				static const char name[] = "bfnrt";
				static const char value[] = "\b\f\n\r\t";

				d[0] = value[strchr(name, s[at + 1]) - name];
				return 1;
			}
		case 'u':
			if (at + 6 > len || (u = hex4(s + at + 2)) < 0)
			{
				*i = len;
				return 0;
			}
			*i = at + 6;
			if (u >= 0xD800 && u <= 0xDBFF && at + 12 <= len &&
				s[at + 6] == '\\' && s[at + 7] == 'u')
			{
				long		lo = hex4(s + at + 8);

				if (lo >= 0xDC00 && lo <= 0xDFFF)
				{
					u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
					*i = at + 12;
				}
			}
			return put_utf8(d, u);
		default:				/* " \ / */
			d[0] = (char) s[at + 1];
			return 1;
	}
}

size_t
oc_json_unescape(const char *src, size_t len, char *dst)
{
	const unsigned char *s = (const unsigned char *) src;
	size_t		i = 0,
				o = 0;

	while (i < len)
	{
		const unsigned char *bs = memchr(s + i, '\\', len - i);
		size_t		run = bs ? (size_t) (bs - s) - i : len - i;

		memmove(dst + o, s + i, run);	/* dst may be src */
		o += run;
		i += run;
		if (i < len)
			o += unescape_one(s, len, &i, dst + o);
	}
	return o;
}

int
oc_json_key_eq(const char *text, const oc_jnode *key, const char *s, size_t n)
{
	const unsigned char *k = (const unsigned char *) text + key->off;
	size_t		len = key->len,
				i = 0,
				o = 0;

	if (!key->escaped)
		return len == n && memcmp(k, s, n) == 0;
	/* unescaped as far as it matches: no length limit, no buffer */
	while (i < len)
	{
		char		d[4];
		size_t		m;

		if (k[i] != '\\')
		{
			if (o >= n || s[o] != (char) k[i])
				return 0;
			o++;
			i++;
			continue;
		}
		m = unescape_one(k, len, &i, d);
		if (m > n - o || memcmp(s + o, d, m) != 0)
			return 0;
		o += m;
	}
	return o == n;
}

uint32_t
oc_json_get(const char *text, const oc_jnode *nodes, uint32_t obj,
			const char *key, size_t keylen)
{
	uint32_t	k,
				found = 0;

	if (nodes[obj].type != OC_JOBJECT)
		return 0;
	/* every member: a later duplicate wins, as in json-c and jsonb */
	for (k = obj + 1; k < nodes[obj].end; k = nodes[k + 1].end)
	{
		if (oc_json_key_eq(text, &nodes[k], key, keylen))
			found = k + 1;
	}
	return found;
}
