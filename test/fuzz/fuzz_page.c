/*
 * fuzz_page.c
 *      libFuzzer harness: reply parsing, and a differential oracle for the
 *      JSON tape (jtape.c) against json-c.
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
 *
 * The tape oracle (tape_oracle below).  The body also goes through
 * oc_json_tape and through json-c (json_tokener, JSON_TOKENER_STRICT |
 * JSON_TOKENER_VALIDATE_UTF8, depth OC_JSON_MAX_DEPTH + 1 = 65, nothing but
 * white space after the value), and:
 *
 *   (a) an accepted tape is well formed: node 0 spans the whole value (white
 *       space around it only), every node's end lies in its parent's
 *       subtree, a container's count is its number of children (members of
 *       an object: a string key node, then the value), children's spans lie
 *       in order inside the brackets with only white space and one ',' (':'
 *       after a key) between them; a string's span sits between two '"',
 *       `escaped` is set exactly when it holds a '\'; numbers are RFC 8259
 *       numbers, literals are null/true/false.  Every string (keys too)
 *       unescapes to valid UTF-8 (U+0000 allowed) no longer than its raw
 *       span, and to the raw bytes themselves when not escaped;
 *   (b) when the tape accepts, json-c accepts too and the trees agree: same
 *       types (a number is json-c's double exactly when its text has '.',
 *       'e' or 'E'), strings equal after oc_json_unescape (NULs included),
 *       arrays element by element, objects key by key with the last of
 *       duplicate keys winning, as in json-c; oc_json_get returns the last
 *       duplicate's value, oc_json_key_eq matches every key (and not its
 *       prefix); oc_page_parse accepts exactly when the tape does and the
 *       shape fits, with the same tape, and each oc_page_item tree agrees
 *       with the tape too;
 *   (c) when json-c accepts and the tape refuses, the text holds one of the
 *       constructs json-c's strict mode lets through but RFC 8259 forbids,
 *       and the tape stopped at the first of them (its `where` is the start
 *       of that token, its `why` the matching message):
 *         - NaN, Infinity, -Infinity (json-c makes doubles of them);
 *         - non-RFC numbers: leading zeros (00, -01, 01.5, 00e1), a '.'
 *           with no digit after it (1., 1.e5) or before it (-.5);
 *         - raw control characters (0x01-0x1F) inside strings (a NUL ends
 *           json-c's input, so it refuses those itself);
 *         - \u escapes of lone or unpaired surrogates (json-c puts U+FFFD);
 *         - UTF-8 that json-c's check lets through: overlong forms (C0 80,
 *           E0 80 80, F0 80 80 80), encoded surrogates (ED A0 80 - ED BF BF),
 *           code points above U+10FFFF (F4 90 80 80 and up, F5-F7 leads);
 *         - nesting deeper than OC_JSON_MAX_DEPTH (64) containers: json-c
 *           at depth 65 takes 65;
 *         - single-quoted object keys ({'a':1}): json-c takes them even in
 *           strict mode.
 *       Anything else traps.
 *
 * json-c (0.16) is fed the body plus a terminating NUL, as
 * json_tokener_parse does: it finishes a top-level number or literal only
 * on seeing the byte after it, and stops at a NUL, so the rest after its
 * parse end must be white space.  json-c keeps an object key only up to
 * its first NUL (it strdup's the key), so keys are matched with json-c's
 * tree up to their first NUL (the last such duplicate wins); oc_json_get
 * is checked with the whole key.  Every string is also unescaped by a
 * reference decoder (ref_unescape), which oc_json_unescape must match;
 * json-c is held to its json-c 0.16 mode, which has 0.16's surrogate pair
 * bug (code points whose low 16 bits are D800-DFFF come out as U+FFFD),
 * and directly to the tape wherever the two modes agree.
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

/* ---------- the tape oracle ---------- */

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int
json_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Length of the UTF-8 sequence at s (RFC 3629: shortest form, no
 * surrogates, at most U+10FFFF), decoded to its code point; 0 if invalid.
 */
static size_t
utf8_char(const unsigned char *s, size_t avail)
{
	static const uint32_t least[4] = {0, 0x80, 0x800, 0x10000};
	uint32_t	cp;
	size_t		more,
				j;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		more = 1, cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		more = 2, cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		more = 3, cp = s[0] & 0x07;
	else
		return 0;
	if (avail <= more)
		return 0;
	for (j = 1; j <= more; j++)
	{
		if ((s[j] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[j] & 0x3F);
	}
	if (cp < least[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return more + 1;
}

static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t		i = 0;

	while (i < n)
	{
		size_t		k = utf8_char(s + i, n - i);

		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* number of digits at s[*i], skipped */
static size_t
digit_run(const char *s, size_t n, size_t *i)
{
	size_t		start = *i;

	while (*i < n && is_digit((unsigned char) s[*i]))
		(*i)++;
	return *i - start;
}

/* is s[0, n) exactly an RFC 8259 number? */
static int
rfc_number(const char *s, size_t n)
{
	size_t		i = (n > 0 && s[0] == '-') ? 1 : 0;
	size_t		lead = i;
	size_t		intdigits = digit_run(s, n, &i);

	if (intdigits == 0 || (intdigits > 1 && s[lead] == '0'))
		return 0;
	if (i < n && s[i] == '.')
	{
		i++;
		if (digit_run(s, n, &i) == 0)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (digit_run(s, n, &i) == 0)
			return 0;
	}
	return i == n;
}

/* value of four hex digits, or -1 */
static long
hex_quad(const unsigned char *s)
{
	long		v = 0;
	int			j;

	for (j = 0; j < 4; j++)
	{
		unsigned char lc = s[j] | 0x20;

		if (is_digit(s[j]))
			v = (v << 4) | (s[j] - '0');
		else if (lc >= 'a' && lc <= 'f')
			v = (v << 4) | (lc - 'a' + 10);
		else
			return -1;
	}
	return v;
}

/* code point cp as UTF-8 at d; its length */
static size_t
put_cp(unsigned char *d, uint32_t cp)
{
	size_t		n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	size_t		j;

	for (j = n - 1; j > 0; j--, cp >>= 6)
		d[j] = (unsigned char) (0x80 | (cp & 0x3F));
	d[0] = (unsigned char) (n == 1 ? cp : ((0xF00 >> n) & 0xFF) | cp);
	return n;
}

/*
 * Reference unescaping of a string the tape accepted (raw bytes between the
 * quotes), kept apart from jtape.c, checking there are no raw control
 * characters and no bad escapes; out needs len + 4 bytes.  With json016
 * set it does what json-c 0.16 does: that tests a decoded surrogate pair
 * for being a surrogate on its low 16 bits only, so a pair for a code
 * point whose low 16 bits are D800-DFFF (\ud976\udc00 is U+6D800) comes out
 * as U+FFFD, or as a high half that pairs up with the next \u escape
 * (fixed in json-c 0.19, commit 7974657).
 */
static size_t
ref_unescape(const unsigned char *s, size_t len, unsigned char *out, int json016)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	size_t		i = 0,
				o = 0;
	uint32_t	high = 0;		/* a high surrogate waiting for its low half */

	while (i < len)
	{
		uint32_t	cp,
					probe;

		if (s[i] != '\\' || s[i + 1] != 'u')
		{
			if (high)
				o += put_cp(out + o, 0xFFFD);
			high = 0;
			if (s[i] != '\\')
			{
				CHECK(s[i] >= 0x20);	/* no raw control characters */
				out[o++] = s[i++];
			}
			else
			{
				const char *e = i + 1 < len && s[i + 1] ? strchr(from, s[i + 1]) : NULL;

				CHECK(e != NULL);
				out[o++] = (unsigned char) to[e - from];
				i += 2;
			}
			continue;
		}
		CHECK(i + 6 <= len && hex_quad(s + i + 2) >= 0);
		cp = (uint32_t) hex_quad(s + i + 2);
		i += 6;
		if (high)
		{
			if ((cp & 0xFC00) == 0xDC00)
				cp = 0x10000 + ((high & 0x3FF) << 10) + (cp & 0x3FF);
			else
				o += put_cp(out + o, 0xFFFD);
			high = 0;
		}
		probe = json016 ? (cp & 0xFFFF) : cp;
		if (cp >= 0x800 && probe >= 0xD800 && probe <= 0xDBFF)
			high = cp;
		else
			o += put_cp(out + o, (cp >= 0x800 && probe >= 0xDC00 && probe <= 0xDFFF) ||
						cp > 0x10FFFF ? 0xFFFD : cp);
	}
	if (high)
		o += put_cp(out + o, 0xFFFD);
	return o;
}

/*
 * A string node unescaped with oc_json_unescape into a buffer of exactly
 * its raw length (so that ASan sees any overrun), checked against the
 * reference; the caller frees it.  With jsonc set, *jsonc is what json-c
 * makes of it (ref_unescape(json016)), to be freed too.
 */
static char *
unescaped(const char *text, const oc_jnode *nd, size_t *outlen,
		  unsigned char **jsonc, size_t *jsonclen)
{
	const unsigned char *raw = (const unsigned char *) text + nd->off;
	char	   *u = malloc(nd->len ? nd->len : 1);
	unsigned char *r = malloc((size_t) nd->len + 4);
	size_t		m,
				rm;

	if (u == NULL || r == NULL)
		abort();
	m = oc_json_unescape(text + nd->off, nd->len, u);
	CHECK(m <= nd->len);
	CHECK(utf8_valid((const unsigned char *) u, m));
	if (!nd->escaped)
		CHECK(m == nd->len && memcmp(u, raw, m) == 0);
	rm = ref_unescape(raw, nd->len, r, 0);
	CHECK(rm == m && memcmp(r, u, m) == 0);
	if (jsonc)
	{
		*jsonclen = ref_unescape(raw, nd->len, r, 1);
		*jsonc = r;
	}
	else
		free(r);
	*outlen = m;
	return u;
}

/* a node's bytes, [*a, *z): a string's quotes included */
static void
node_span(const oc_jnode *nd, size_t *a, size_t *z)
{
	*a = nd->off;
	*z = (size_t) nd->off + nd->len;
	if (nd->type == OC_JSTRING)
	{
		CHECK(nd->off >= 1);
		(*a)--;
		(*z)++;
	}
}

/* text[a, z) is white space around exactly one sep (none if sep is 0) */
static void
check_gap(const char *text, size_t a, size_t z, char sep)
{
	int			seps = 0;

	CHECK(a <= z);
	for (; a < z; a++)
	{
		if (sep != 0 && text[a] == sep)
			seps++;
		else
			CHECK(json_ws((unsigned char) text[a]));
	}
	CHECK(seps == (sep != 0));
}

/*
 * (a): node i lies in nodes [i, limit) and, with its subtree, in the text
 * [lo, hi); depth containers are around it.
 */
static void
check_node(const char *text, size_t len, const oc_jnode *t, uint32_t i,
		   uint32_t limit, size_t lo, size_t hi, int depth)
{
	static const char *const literal[] = {"null", "false", "true"};
	const oc_jnode *nd = &t[i];
	size_t		a,
				z;

	CHECK(nd->end > i && nd->end <= limit);
	CHECK(nd->type <= OC_JOBJECT);
	node_span(nd, &a, &z);
	CHECK(lo <= a && a < z && z <= hi && hi <= len);
	if (nd->type != OC_JARRAY && nd->type != OC_JOBJECT)
		CHECK(nd->end == i + 1 && nd->count == 0);
	switch ((oc_jtype) nd->type)
	{
		case OC_JNULL:
		case OC_JFALSE:
		case OC_JTRUE:
			CHECK(nd->len == strlen(literal[nd->type]) &&
				  memcmp(text + a, literal[nd->type], nd->len) == 0);
			break;
		case OC_JNUMBER:
			CHECK(rfc_number(text + a, nd->len));
			break;
		case OC_JSTRING:
			{
				size_t		m;

				CHECK(text[a] == '"' && text[z - 1] == '"');
				CHECK(nd->escaped == (memchr(text + nd->off, '\\', nd->len) != NULL));
				free(unescaped(text, nd, &m, NULL, NULL));
				break;
			}
		case OC_JARRAY:
		case OC_JOBJECT:
			{
				int			obj = nd->type == OC_JOBJECT;
				uint32_t	k = i + 1,
							members = 0;
				size_t		pos = a + 1,
							ca,
							cz;

				CHECK(depth < OC_JSON_MAX_DEPTH);
				CHECK(nd->len >= 2);
				CHECK(text[a] == (obj ? '{' : '[') && text[z - 1] == (obj ? '}' : ']'));
				while (k < nd->end)
				{
					if (obj)
					{
						CHECK(t[k].type == OC_JSTRING);
						check_node(text, len, t, k, nd->end, pos, z - 1, depth + 1);
						node_span(&t[k], &ca, &cz);
						check_gap(text, pos, ca, members ? ',' : 0);
						pos = cz;
						k++;
						CHECK(k < nd->end);
					}
					check_node(text, len, t, k, nd->end, pos, z - 1, depth + 1);
					node_span(&t[k], &ca, &cz);
					check_gap(text, pos, ca, obj ? ':' : (members ? ',' : 0));
					pos = cz;
					k = t[k].end;
					members++;
				}
				CHECK(k == nd->end && members == nd->count);
				check_gap(text, pos, z - 1, 0);
				break;
			}
		default:
			__builtin_trap();
	}
}

static void
check_tape(const char *text, size_t len, const oc_jnode *t, uint32_t n)
{
	size_t		a,
				z;

	CHECK(n >= 1 && t[0].end == n);
	node_span(&t[0], &a, &z);
	CHECK(a < z && z <= len);
	check_gap(text, 0, a, 0);
	check_gap(text, z, len, 0);
	check_node(text, len, t, 0, n, 0, len, 0);
}

/* json-c's verdict on the body (see the header); 1 with *out set if taken */
static int
jsonc_parse(const char *body, size_t len, json_object **out)
{
	char	   *z = malloc(len + 1);
	json_tokener *tok = json_tokener_new_ex(OC_JSON_MAX_DEPTH + 1);
	size_t		end;
	int			ok;

	if (z == NULL || tok == NULL)
		abort();
	memcpy(z, body, len);
	z[len] = '\0';
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	*out = json_tokener_parse_ex(tok, z, (int) len + 1);
	ok = json_tokener_get_error(tok) == json_tokener_success;
	for (end = json_tokener_get_parse_end(tok); ok && end < len; end++)
		if (!json_ws((unsigned char) z[end]))
			ok = 0;
	if (!ok)
	{
		json_object_put(*out);
		*out = NULL;
	}
	json_tokener_free(tok);
	free(z);
	return ok;
}

static void compare(const char *text, const oc_jnode *t, uint32_t i, json_object *o);

/* one member of an object, its key unescaped */
typedef struct member
{
	char	   *key;			/* by oc_json_unescape */
	size_t		len;
	unsigned char *jkey;		/* as json-c 0.16 sees it ... */
	size_t		jlen;			/* ... up to its first NUL */
	uint32_t	k;				/* key node */
} member;

/* (b) for an object: json-c's members, and oc_json_get / oc_json_key_eq */
static void
compare_object(const char *text, const oc_jnode *t, uint32_t i, json_object *o)
{
	uint32_t	n = t[i].count,
				j,
				a,
				k;
	size_t		distinct = 0;
	member	   *m = calloc(n ? n : 1, sizeof(member));

	if (m == NULL)
		abort();
	CHECK(json_object_is_type(o, json_type_object));
	for (j = 0, k = i + 1; j < n; j++, k = t[k + 1].end)
	{
		const unsigned char *nul;

		m[j].k = k;
		m[j].key = unescaped(text, &t[k], &m[j].len, &m[j].jkey, &m[j].jlen);
		nul = memchr(m[j].jkey, '\0', m[j].jlen);
		if (nul)
			m[j].jlen = (size_t) (nul - m[j].jkey);
		m[j].jkey[m[j].jlen] = '\0';
	}
	for (j = 0; j < n; j++)
	{
		uint32_t	last = j,
					jlast = j;
		int			jfirst = 1;

		for (a = 0; a < n; a++)
		{
			if (m[a].len == m[j].len && memcmp(m[a].key, m[j].key, m[j].len) == 0 && a > last)
				last = a;
			if (m[a].jlen == m[j].jlen && memcmp(m[a].jkey, m[j].jkey, m[j].jlen) == 0)
			{
				if (a > jlast)
					jlast = a;
				if (a < j)
					jfirst = 0;
			}
		}
		CHECK(oc_json_key_eq(text, &t[m[j].k], m[j].key, m[j].len));
		if (m[j].len > 0)
			CHECK(!oc_json_key_eq(text, &t[m[j].k], m[j].key, m[j].len - 1));
		CHECK(oc_json_get(text, t, i, m[j].key, m[j].len) == m[last].k + 1);
		if (jfirst)
		{
			json_object *v = NULL;

			CHECK(json_object_object_get_ex(o, (const char *) m[j].jkey, &v));
			compare(text, t, m[jlast].k + 1, v);
			distinct++;
		}
	}
	CHECK((size_t) json_object_object_length(o) == distinct);
	for (j = 0; j < n; j++)
	{
		free(m[j].key);
		free(m[j].jkey);
	}
	free(m);
}

/* (b): the subtree of node i against json-c's value o */
static void
compare(const char *text, const oc_jnode *t, uint32_t i, json_object *o)
{
	const oc_jnode *nd = &t[i];

	if (nd->type != OC_JOBJECT)
		CHECK(oc_json_get(text, t, i, "", 0) == 0);
	switch ((oc_jtype) nd->type)
	{
		case OC_JNULL:
			CHECK(o == NULL);
			break;
		case OC_JFALSE:
		case OC_JTRUE:
			CHECK(json_object_is_type(o, json_type_boolean) &&
				  json_object_get_boolean(o) == (nd->type == OC_JTRUE));
			break;
		case OC_JNUMBER:
			{
				const char *s = text + nd->off;
				int			dbl = memchr(s, '.', nd->len) || memchr(s, 'e', nd->len) ||
					memchr(s, 'E', nd->len);

				CHECK(json_object_is_type(o, dbl ? json_type_double : json_type_int));
				break;
			}
		case OC_JSTRING:
			{
				size_t		m,
							jm;
				unsigned char *jv;
				char	   *u = unescaped(text, nd, &m, &jv, &jm);

				CHECK(json_object_is_type(o, json_type_string));
				CHECK((size_t) json_object_get_string_len(o) == jm &&
					  memcmp(json_object_get_string(o), jv, jm) == 0);
				/* the same, but for json-c 0.16's surrogate pair bug */
				if (jm == m && memcmp(jv, u, m) == 0)
					CHECK((size_t) json_object_get_string_len(o) == m &&
						  memcmp(json_object_get_string(o), u, m) == 0);
				free(jv);
				free(u);
				break;
			}
		case OC_JARRAY:
			{
				uint32_t	k;
				size_t		j = 0;

				CHECK(json_object_is_type(o, json_type_array) &&
					  json_object_array_length(o) == nd->count);
				for (k = i + 1; k < nd->end; k = t[k].end)
					compare(text, t, k, json_object_array_get_idx(o, j++));
				break;
			}
		case OC_JOBJECT:
			compare_object(text, t, i, o);
			break;
		default:
			__builtin_trap();
	}
}

/*
 * (c): in a text json-c took, the first construct RFC 8259 forbids (see
 * the header): 1 with the offset of its token and the tape's message for
 * it, 0 if there is none (or something this scan does not know).
 */
static int
first_stricter(const unsigned char *s, size_t len, size_t *at, const char **why)
{
	size_t		i = 0;
	int			depth = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		size_t		start = i;

		*at = start;
		if (json_ws(c) || c == ',' || c == ':')
			i++;
		else if (c == '[' || c == '{')
		{
			*why = "nesting too deep";
			if (depth >= OC_JSON_MAX_DEPTH)
				return 1;
			depth++;
			i++;
		}
		else if (c == ']' || c == '}')
		{
			depth--;
			i++;
		}
		else if (c == '\'')
		{
			*why = "object key expected";
			return 1;
		}
		else if (c == '"')
		{
			for (i++; i < len && s[i] != '"';)
			{
				if (s[i] < 0x20)
				{
					*why = "control character in a string";
					return 1;
				}
				if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'u')
				{
					long		u = i + 6 <= len ? hex_quad(s + i + 2) : -1;

					*why = "unpaired surrogate in a \\u escape";
					i += 6;
					if (u >= 0xDC00 && u <= 0xDFFF)
						return 1;
					if (u >= 0xD800 && u <= 0xDBFF)
					{
						long		lo = (i + 6 <= len && s[i] == '\\' && s[i + 1] == 'u')
						? hex_quad(s + i + 2) : -1;

						if (lo < 0xDC00 || lo > 0xDFFF)
							return 1;
						i += 6;
					}
				}
				else if (s[i] == '\\')
					i += 2;
				else
				{
					size_t		k = utf8_char(s + i, len - i);

					*why = "invalid UTF-8 in a string";
					if (k == 0)
						return 1;
					i += k;
				}
			}
			i++;
		}
		else
		{
			/* a number or a literal */
			size_t		n;

			while (i < len && (is_digit(s[i]) || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
							   s[i] == '.' || s[i] == '+' || s[i] == '-'))
				i++;
			n = i - start;
			if ((n == 4 && memcmp(s + start, "true", 4) == 0) ||
				(n == 5 && memcmp(s + start, "false", 5) == 0) ||
				(n == 4 && memcmp(s + start, "null", 4) == 0))
				continue;
			if ((n == 3 && memcmp(s + start, "NaN", 3) == 0) ||
				(n == 8 && memcmp(s + start, "Infinity", 8) == 0))
			{
				*why = "unexpected character";
				return 1;
			}
			if (n > 0 && (c == '-' || is_digit(c)))
			{
				*why = "invalid number";
				if (!rfc_number((const char *) s + start, n))
					return 1;
				continue;
			}
			return 0;			/* unknown to this scan */
		}
	}
	return 0;
}

/* oc_json_tape against json-c, and against oc_page_parse's page p */
static void
tape_oracle(const char *body, size_t len, int want_array, const oc_page *p)
{
	uint32_t	n = 0;
	const char *why = NULL;
	size_t		where = 0;
	oc_jnode   *t = oc_json_tape(body, len, &n, &why, &where);
	json_object *o = NULL;
	int			jsonc_ok = jsonc_parse(body, len, &o);

	if (t != NULL)
	{
		int			shape_ok = 1;
		uint32_t	k;
		size_t		items = 0;

		CHECK(why == NULL);
		check_tape(body, len, t, n);
		/* (b) */
		CHECK(jsonc_ok);
		compare(body, t, 0, o);
		/* the page: the same tape, exactly when the shape fits */
		if (want_array)
		{
			shape_ok = t[0].type == OC_JARRAY;
			for (k = 1; shape_ok && k < t[0].end; k = t[k].end)
				shape_ok = t[k].type == OC_JOBJECT;
		}
		else
			shape_ok = t[0].type == OC_JOBJECT;
		CHECK((p != NULL) == shape_ok);
		if (p != NULL)
		{
			const char *ptext = oc_page_text(p);
			const oc_jnode *pt = oc_page_nodes(p);

			CHECK(memcmp(ptext, body, len) == 0 && ptext[len] == '\0');
			CHECK(memcmp(pt, t, sizeof(oc_jnode) * n) == 0);
			for (k = want_array ? 1 : 0; items < oc_page_count(p); k = t[k].end, items++)
			{
				CHECK(oc_page_item_node(p, items) == k);
				compare(ptext, pt, k, oc_page_item(p, items));
			}
			CHECK(want_array ? k == n : items == 1);
		}
	}
	else
	{
		CHECK(n == 0 && why != NULL && where <= len);
		CHECK(p == NULL);
		/* (c) */
		if (jsonc_ok)
		{
			size_t		at = 0;
			const char *what = NULL;

			CHECK(first_stricter((const unsigned char *) body, len, &at, &what));
			CHECK(where == at);
			CHECK(strcmp(why, what) == 0);
		}
	}
	json_object_put(o);
	free(t);
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
	}
	check_error_fields(&err);
	tape_oracle(body, len, want_array, p);
	oc_page_free(p);

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
