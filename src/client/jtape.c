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
 * nothing above U+10FFFF); at most OC_JSON_MAX_DEPTH levels of nesting,
 * and OC_JSON_MAX_NODES values.
 */
#include "oc_internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * The parser's state.  The position being parsed, and the tape's end and
 * room while it is written, are not in here: parse_text keeps them in
 * locals, so that they stay in registers instead of being stored and
 * loaded again around every node written to the tape.
 */
typedef struct jparser
{
	const unsigned char *s;
	size_t		len;
	oc_jnode   *nodes;
	uint32_t	n;				/* nodes, once parse_text returns */
	uint32_t	cap;
	const char *why;			/* the first failure's message */
	size_t		where;			/* and its position */
} jparser;

/* what a function returning a position returns on failure (none is that large) */
#define JFAIL ((size_t) -1)

/*
 * The rare paths (a string's escapes and UTF-8, numbers, growing the
 * tape) are kept out of line; a string's common path, which every key and
 * most values go through, is inlined into the loop (GCC would not inline
 * it on its own).
 */
#if defined(__GNUC__)
#define JT_NOINLINE __attribute__((noinline))
#define JT_INLINE inline __attribute__((always_inline))
#define JT_LIKELY(x) __builtin_expect(!!(x), 1)
#define JT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define JT_NOINLINE
#define JT_INLINE inline
#define JT_LIKELY(x) (x)
#define JT_UNLIKELY(x) (x)
#endif

/* the first byte at or after pos that is not JSON white space */
static inline size_t
skip_ws(const unsigned char *s, size_t pos, size_t len)
{
	/*
	 * Pages are compact (no white space between tokens): every white space
	 * character is <= ' ', so one compare settles the common case.
	 */
	while (pos < len && s[pos] <= ' ' &&
		   (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\r' || s[pos] == '\t'))
		pos++;
	return pos;
}

/* a failure at pos; returns JFAIL */
static size_t
fail_at(jparser *p, size_t pos, const char *why)
{
	if (p->why == NULL)
	{
		p->why = why;
		p->where = pos;
	}
	return JFAIL;
}

/*
 * Make room for more nodes (for a value at pos): the tape, moved perhaps,
 * or NULL (p->nodes is then the old one, for the caller to free).
 */
static JT_NOINLINE oc_jnode *
grow(jparser *p, size_t pos)
{
	uint32_t	cap = p->cap ? p->cap * 2 : 256;
	oc_jnode   *nn;

	/* a bound on the tape, whatever the text (a body of "[1,1,...]") */
	if (p->cap >= (uint32_t) OC_JSON_MAX_NODES)
	{
		fail_at(p, pos, OC_JSON_TOO_MANY);
		return NULL;
	}
	if (cap > (uint32_t) OC_JSON_MAX_NODES)
		cap = (uint32_t) OC_JSON_MAX_NODES;
	nn = realloc(p->nodes, sizeof(oc_jnode) * cap);
	if (nn == NULL)
	{
		fail_at(p, pos, "out of memory");
		return NULL;
	}
	p->nodes = nn;
	p->cap = cap;
	return nn;
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

/*
 * The end of a run of plain string bytes: the first byte at or after i
 * (and before len) that is '"', '\\', a control character or a non-ASCII
 * byte, or len if there is none.  Never reads at or past len: a reply body
 * is not padded.
 *
 * OC_JTAPE_SCAN picks how (the best the compiler allows unless it is set;
 * the unit test is also built with each lower level, so that every path
 * is tested on the machine that runs it):
 *   2  SSE2, 16 bytes at a time (every x86-64 has it)
 *   1  eight bytes at a time in a 64-bit word, little-endian GCC/clang
 *   0  the word test finds the word, then byte by byte (any C99)
 */
#ifndef OC_JTAPE_SCAN
#if defined(__SSE2__)
#define OC_JTAPE_SCAN 2
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && \
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define OC_JTAPE_SCAN 1
#else
#define OC_JTAPE_SCAN 0
#endif
#endif

#if OC_JTAPE_SCAN >= 2
#include <emmintrin.h>
#endif

static inline size_t
scan_plain(const unsigned char *s, size_t i, size_t len)
{
#if OC_JTAPE_SCAN >= 2
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	unsigned int bits;

	/*
	 * A byte is special when it equals '"' or '\\', or when it is below
	 * 0x20 as a signed char: that is a control character or any byte from
	 * 0x80 up (negative), so one compare also catches non-ASCII.  The
	 * lowest set bit of the movemask is the first special byte.
	 */
	while (i + 16 <= len)
	{
		__m128i		v = _mm_loadu_si128((const __m128i *) (s + i));

		bits = (unsigned int) _mm_movemask_epi8(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
									  _mm_cmpeq_epi8(v, bslash)),
						 _mm_cmplt_epi8(v, space)));
		if (bits != 0)
			return i + (size_t) __builtin_ctz(bits);
		i += 16;
	}

	/*
	 * Fewer than 16 bytes left: test the body's last 16 bytes instead (all
	 * inside it) and drop the bits of those before i.  i > len - 16 here,
	 * so the shift is 1 to 16 (16 when i == len: nothing left).
	 */
	if (len >= 16)
	{
		__m128i		v = _mm_loadu_si128((const __m128i *) (s + len - 16));

		bits = (unsigned int) _mm_movemask_epi8(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
									  _mm_cmpeq_epi8(v, bslash)),
						 _mm_cmplt_epi8(v, space)));
		bits >>= i - (len - 16);
		return bits != 0 ? i + (size_t) __builtin_ctz(bits) : len;
	}
	/* a body under 16 bytes: on to the word loop */
#endif

	/*
	 * Eight bytes at a time: a byte of w is special when its lane of one
	 * of these sums has the high bit set (w ^ '"' - 1 and w ^ '\\' - 1
	 * wrap at a quote or backslash, w - 0x20 at a control character, and
	 * w itself has it at a non-ASCII byte).  A lane can also be flagged by
	 * a borrow from the lane below, but only if that lane borrowed, and a
	 * lane that borrows is itself flagged; the lowest flagged lane took no
	 * borrow, so its flag is exact.  Lanes above a false flag are ignored
	 * anyway, and a lane that is not flagged is not special.
	 */
	while (i + 8 <= len)
	{
		uint64_t	w;
		uint64_t	special;

		memcpy(&w, s + i, 8);
		special = (((w ^ 0x2222222222222222ULL) - 0x0101010101010101ULL) |
				   ((w ^ 0x5C5C5C5C5C5C5C5CULL) - 0x0101010101010101ULL) |
				   (w - 0x2020202020202020ULL) | w) & 0x8080808080808080ULL;
		if (special != 0)
		{
#if OC_JTAPE_SCAN >= 1
			/* little-endian: the lowest lane is the first byte */
			return i + (size_t) (__builtin_ctzll(special) >> 3);
#else
			break;
#endif
		}
		i += 8;
	}
	while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

#if OC_JTAPE_SCAN >= 1

/*
 * Where parse_text's strings end: the special bytes (as scan_plain's) of
 * one 64-byte block of the text, bit k for byte base + k, kept while the
 * strings that start in it are parsed.  Finding a closing quote is then a
 * shift and a count of trailing zeros: with scan_plain every string waited
 * for a load and the vector compares of its own bytes before the next one
 * could start, and on a compact page that chain, not the number of
 * instructions, was what the parse took.
 *
 * Each byte is tested on its own (no borrow from the byte below, unlike
 * scan_plain's word test): bits below a string's start are shifted out, so
 * every bit above must be exact.
 */
static inline uint64_t
block_bits(const unsigned char *b)
{
#if OC_JTAPE_SCAN >= 2
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);

	/*
	 * The four quarters written out, not a loop: GCC at -O2 kept the loop
	 * (a counter, a branch and a variable shift per quarter), and a page
	 * computes a block every 64 bytes.
	 */
#define QUARTER_BITS(k_) \
	((uint64_t) (unsigned int) _mm_movemask_epi8( \
		_mm_or_si128(_mm_or_si128( \
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) (b + 16 * (k_))), quote), \
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) (b + 16 * (k_))), bslash)), \
			_mm_cmplt_epi8(_mm_loadu_si128((const __m128i *) (b + 16 * (k_))), space))) \
	 << (16 * (k_)))

	return QUARTER_BITS(0) | QUARTER_BITS(1) | QUARTER_BITS(2) | QUARTER_BITS(3);
#undef QUARTER_BITS
#else
	uint64_t	bits = 0;
	int			k;

	for (k = 0; k < 8; k++)
	{
		uint64_t	w;
		uint64_t	q;
		uint64_t	bs;
		uint64_t	special;

		memcpy(&w, b + 8 * k, 8);

		/*
		 * Per byte, exact: x + 0x7F over the low seven bits carries into
		 * the high bit iff they are not all zero, and never out of the
		 * byte; so does (low seven bits) + 0x60 iff they are >= 0x20.
		 */
		q = w ^ 0x2222222222222222ULL;
		q = ~(((q & 0x7F7F7F7F7F7F7F7FULL) + 0x7F7F7F7F7F7F7F7FULL) | q);
		bs = w ^ 0x5C5C5C5C5C5C5C5CULL;
		bs = ~(((bs & 0x7F7F7F7F7F7F7F7FULL) + 0x7F7F7F7F7F7F7F7FULL) | bs);
		special = (q | bs | w |
				   ~((w & 0x7F7F7F7F7F7F7F7FULL) + 0x6060606060606060ULL)) &
			0x8080808080808080ULL;
		/* the eight high bits, byte 0's lowest (little-endian) */
		bits |= (((special >> 7) * 0x0102040810204080ULL) >> 56) << (8 * k);
	}
	return bits;
#endif
}

/*
 * The block at base of a text of len bytes: past the end of the text,
 * each byte counts as special (a zero), so that a scan stops at len as
 * scan_plain does.
 */
static JT_NOINLINE uint64_t
block_bits_tail(const unsigned char *s, size_t base, size_t len)
{
	unsigned char pad[64];

	memset(pad, 0, sizeof(pad));
	memcpy(pad, s + base, len - base);
	return block_bits(pad);
}

/* the bits of the block at base (<= len) of a text of len bytes */
static inline uint64_t
block_at(const unsigned char *s, size_t base, size_t len)
{
	if (JT_LIKELY(len - base >= 64))
		return block_bits(s + base);
	return block_bits_tail(s, base, len);
}

/*
 * q_ = the first special byte at or after i_ (<= len), or len: what
 * scan_plain(s, i_, len) returns, from parse_text's block (blk, bmask).
 *
 * The bits of the block after it (nblk, nmask) are computed as soon as a
 * block is taken, not when the scan gets there: moving on to the next
 * block is a branch that mispredicts, and after it the scan would wait
 * for that block's loads and compares; computed ahead, they are done by
 * then.  A scan that lands elsewhere (past a block without strings)
 * computes its block as before.  nmask is left stale when nblk is past
 * the end of the text, where no scan starts (i_ <= len), so it is never
 * used.
 */
#define SCAN_PLAIN(i_, q_) \
	do { \
		size_t		i__ = (i_); \
		for (;;) \
		{ \
			size_t		off__ = i__ - blk; \
			if (JT_LIKELY(off__ < 64)) \
			{ \
				uint64_t	m__ = bmask >> off__; \
				if (JT_LIKELY(m__ != 0)) \
				{ \
					(q_) = i__ + (size_t) __builtin_ctzll(m__); \
					break; \
				} \
				i__ = blk + 64; \
			} \
			blk = i__ & ~(size_t) 63; \
			bmask = JT_LIKELY(blk == nblk) ? nmask : block_at(s, blk, len); \
			nblk = blk + 64; \
			if (JT_LIKELY(nblk <= len)) \
				nmask = block_at(s, nblk, len); \
		} \
	} while (0)

#else

#define SCAN_PLAIN(i_, q_) ((q_) = scan_plain(s, (i_), len))

#endif

/*
 * The rest of a string whose opening quote is at pos, from i (where its
 * first plain run ended, at something other than the closing quote):
 * escapes and UTF-8 sequences, each checked.  Returns the position of the
 * closing quote and sets *escaped, or JFAIL (reported at the opening
 * quote).  The caller adds the node.
 */
static JT_NOINLINE size_t
string_rest(jparser *p, size_t pos, size_t i, int *escaped)
{
	const unsigned char *s = p->s;
	size_t		len = p->len;

	*escaped = 0;

	/*
	 * Each turn handles the special byte a plain run stopped at: the
	 * closing quote, an escape or a UTF-8 sequence, after which the next
	 * run is scanned.
	 */
	for (;;)
	{
		unsigned char c;

		if (i >= len)
			return fail_at(p, pos, "reply ends early (truncated JSON)");
		c = s[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail_at(p, pos, "control character in a string");
		if (c == '\\')
		{
			*escaped = 1;
			if (i + 1 >= len)
				return fail_at(p, pos, "reply ends early (truncated JSON)");
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
							return fail_at(p, pos, "reply ends early (truncated JSON)");
						u = hex4(s + i + 2);
						if (u < 0)
							return fail_at(p, pos, "invalid \\u escape");
						i += 6;
						if (u >= 0xDC00 && u <= 0xDFFF)
							return fail_at(p, pos, "unpaired surrogate in a \\u escape");
						if (u >= 0xD800 && u <= 0xDBFF)
						{
							long		lo;

							if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u')
								return fail_at(p, pos, "unpaired surrogate in a \\u escape");
							lo = hex4(s + i + 2);
							if (lo < 0xDC00 || lo > 0xDFFF)
								return fail_at(p, pos, "unpaired surrogate in a \\u escape");
							i += 6;
						}
						break;
					}
				default:
					return fail_at(p, pos, "invalid escape in a string");
			}
		}
		else
		{
			/* c >= 0x80 */
			size_t		n = utf8_seq(s + i, len - i);

			if (n == 0)
				return fail_at(p, pos, "invalid UTF-8 in a string");
			i += n;
		}
		i = scan_plain(s, i, len);
	}
	return i;
}

/*
 * A string at pos (its opening quote), for parse_text: adds its node and
 * sets pos after its closing quote.  Most strings of a page (keys, ids,
 * dates, names) are plain ASCII: one scan finds their closing quote, and
 * this is all they cost; the rest go through string_rest (its flag is a
 * variable of its own, so that taking its address does not keep the
 * common path's in memory).  Each path writes its own node: on the common
 * one the flag is a constant 0, so that the compiler writes type, flag and
 * spare as one store.
 *
 * No "string too long" check: oc_json_tape refuses a text of UINT32_MAX
 * bytes or more, so every length (and count, and node index) fits in a
 * uint32_t.
 */
#define PUT_STRING() \
	do { \
		size_t		q_; \
		SCAN_PLAIN(pos + 1, q_); \
		if (JT_LIKELY(q_ < len && s[q_] == '"')) \
			PUT_NODE(OC_JSTRING, pos + 1, q_ - pos - 1, 0, pos); \
		else \
		{ \
			int			rest_esc_; \
			q_ = string_rest(p, pos, q_, &rest_esc_); \
			if (q_ == JFAIL) \
				goto failed; \
			PUT_NODE(OC_JSTRING, pos + 1, q_ - pos - 1, rest_esc_, pos); \
		} \
		pos = q_ + 1; \
	} while (0)

/* bytes a number or literal may be followed by: , ] } and white space */
static const unsigned char ends_scalar_tab[256] = {
	['\t'] = 1,['\n'] = 1,['\r'] = 1,[' '] = 1,[','] = 1,[']'] = 1,['}'] = 1
};

/* the end of the number at pos, or JFAIL (reported at pos) */
static JT_NOINLINE size_t
number_end(jparser *p, size_t pos)
{
	const unsigned char *s = p->s;
	size_t		len = p->len;
	size_t		i = pos;

	if (i < len && s[i] == '-')
		i++;
	if (i >= len)
		return fail_at(p, pos, "reply ends early (truncated JSON)");
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
	{
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	else
		return fail_at(p, pos, "invalid number");
	if (i < len && s[i] == '.')
	{
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail_at(p, pos, "invalid number");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail_at(p, pos, "invalid number");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	/* a number runs up to a delimiter: "01", "1.2.3", "1x" are not JSON */
	if (i < len && !ends_scalar_tab[s[i]])
		return fail_at(p, pos, "invalid number");
	return i;
}

/*
 * The literal at pos is not word (n bytes, the one its first byte says):
 * why.  Returns JFAIL.
 */
static JT_NOINLINE size_t
literal_fail(jparser *p, size_t pos, const char *word, size_t n)
{
	if (p->len - pos < n)
		return fail_at(p, pos, memcmp(p->s + pos, word, p->len - pos) == 0
					   ? "reply ends early (truncated JSON)" : "unexpected character");
	return fail_at(p, pos, "unexpected character");
}

/* the four bytes at s as one word, to compare a literal at once */
static inline uint32_t
word4(const void *s)
{
	uint32_t	w;

	memcpy(&w, s, 4);
	return w;
}

/* write a node (count 0) */
static inline void
write_node(oc_jnode *nd, unsigned type, unsigned escaped, size_t off,
		   size_t len, uint32_t end)
{
	nd->type = (uint8_t) type;
	nd->escaped = (uint8_t) escaped;
	nd->spare = 0;
	nd->off = (uint32_t) off;
	nd->len = (uint32_t) len;
	nd->end = end;
	nd->count = 0;
}

/*
 * A new node at the end of the tape (locals nodes, n and cap of
 * parse_text), for a value that starts at at_ (where running out of room
 * is reported).  A leaf's subtree ends right after it; a container sets
 * len, end and count when it is closed.
 */
#define PUT_NODE(type_, off_, len_, escaped_, at_) \
	do { \
		oc_jnode   *nd_; \
		if (JT_UNLIKELY(n == cap)) \
		{ \
			if ((nodes = grow(p, (at_))) == NULL) \
				goto failed; \
			cap = p->cap; \
		} \
		nd_ = &nodes[n]; \
		write_node(nd_, (type_), (escaped_), (off_), (len_), n + 1); \
		n++; \
	} while (0)

/* a failure at at_, from parse_text */
#define FAIL(at_, why_) \
	do { \
		fail_at(p, (at_), (why_)); \
		goto failed; \
	} while (0)

/*
 * The JSON value at pos, with everything in it: one loop over the tokens
 * with a stack of the open containers, rather than a function per value
 * that calls itself for a container's members (the calls, and passing the
 * parser's state through them, cost more than the tokens of a compact page
 * do).  Returns the position after the value, or JFAIL.
 *
 * Three places in the loop: "value" (a value starts at pos), "next" (a
 * value just ended at pos: ',' or the closing bracket, unless it was the
 * top one) and "item" (after '[', '{' or ',': an element, or a member's
 * key and ':').  The checks, their order and the positions they report
 * are those of a recursive descent: the same text gets the same tape, or
 * the same message at the same byte.
 */
static size_t
parse_text(jparser *p, size_t pos)
{
	const unsigned char *s = p->s;
	const size_t len = p->len;
	oc_jnode   *nodes = p->nodes;
	uint32_t	n = 0;
	uint32_t	cap = p->cap;
	uint32_t	open[OC_JSON_MAX_DEPTH];	/* each open container's node */
	uint32_t	outer[OC_JSON_MAX_DEPTH];	/* and the count around it */
	int			depth = 0;		/* how many are open */
	uint32_t	count = 0;		/* values so far in the innermost one */
	unsigned char close = 0;	/* and its closing bracket */
	size_t		q;
#if OC_JTAPE_SCAN >= 1
	size_t		blk = (size_t) -64; /* no block yet: i - blk >= 64 */
	uint64_t	bmask = 0;
	size_t		nblk = (size_t) -1; /* none: never a block's start */
	uint64_t	nmask = 0;
#endif

value:
	if (JT_UNLIKELY(pos >= len))
		FAIL(pos, "reply ends early (truncated JSON)");
value_here:						/* pos < len */

	/*
	 * Most values of a page are strings: tested first, by a compare and
	 * branch, which predicted better than the switch's indirect jump (a
	 * page parsed about a tenth faster).
	 */
	if (JT_LIKELY(s[pos] == '"'))
	{
		PUT_STRING();
		goto next;
	}
	switch (s[pos])
	{
		case '{':
		case '[':
			if (depth >= OC_JSON_MAX_DEPTH)
				FAIL(pos, "nesting too deep");
			PUT_NODE(s[pos] == '{' ? OC_JOBJECT : OC_JARRAY, pos, 0, 0, pos);
			open[depth] = n - 1;
			outer[depth] = count;
			depth++;
			count = 0;
			close = s[pos] == '{' ? '}' : ']';
			pos = skip_ws(s, pos + 1, len);
			if (pos < len && s[pos] == close)
			{
				pos++;
				goto closed;
			}
			goto item;

			/*
			 * Literals: four bytes compared at once when there are enough,
			 * else (or when they differ) literal_fail says why not.  The
			 * node is added before the byte after the literal is checked,
			 * so that running out of memory is reported at the literal.
			 */
		case 't':
		case 'f':
		case 'n':
			{
				/* the word's last four bytes (its first one is s[pos]) */
				const char *word = s[pos] == 't' ? "true" : s[pos] == 'f' ? "false" : "null";
				oc_jtype	type = s[pos] == 't' ? OC_JTRUE : s[pos] == 'f' ? OC_JFALSE : OC_JNULL;
				size_t		wlen = s[pos] == 'f' ? 5 : 4;

				if (len - pos < wlen || word4(s + pos + wlen - 4) != word4(word + wlen - 4))
				{
					literal_fail(p, pos, word, wlen);
					goto failed;
				}
				PUT_NODE(type, pos, wlen, 0, pos);
				pos += wlen;
				break;
			}
		case '-':
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
		case '8':
		case '9':
			q = number_end(p, pos);
			if (q == JFAIL)
				goto failed;
			PUT_NODE(OC_JNUMBER, pos, q - pos, 0, pos);
			pos = q;
			goto next;
		default:
			FAIL(pos, "unexpected character");
	}
	/* a literal runs up to a delimiter too: "truex" is not JSON */
	if (pos < len && !ends_scalar_tab[s[pos]])
		FAIL(pos, "unexpected character");

next:
	if (depth == 0)
	{
		p->nodes = nodes;
		p->n = n;
		return pos;
	}
	count++;

	/*
	 * Compact text: a ',' right after the value and no white space after
	 * it (every white space byte is <= ' ').  Then skip_ws would not move
	 * either time and the next item starts within the text, so those
	 * checks are left out: the same outcome for a few compares fewer.
	 * Anything else (a closing bracket included) takes the general path.
	 */
	if (JT_LIKELY(len - pos >= 2 && s[pos] == ',' && s[pos + 1] > ' '))
	{
		pos++;
		goto item_here;
	}
	pos = skip_ws(s, pos, len);
	if (JT_UNLIKELY(pos >= len))
		FAIL(pos, "reply ends early (truncated JSON)");
	if (s[pos] == ',')
	{
		pos = skip_ws(s, pos + 1, len);
		goto item;
	}
	if (s[pos] != close)
		FAIL(pos, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
	pos++;

closed:
	/* the innermost container ends at pos */
	{
		oc_jnode   *nd = &nodes[open[depth - 1]];

		nd->len = (uint32_t) (pos - nd->off);
		nd->count = count;
		nd->end = n;
	}
	depth--;
	count = outer[depth];
	if (depth > 0)
		close = nodes[open[depth - 1]].type == OC_JOBJECT ? '}' : ']';
	goto next;

item:
	if (JT_UNLIKELY(pos >= len))
		FAIL(pos, "reply ends early (truncated JSON)");
item_here:						/* pos < len */
	if (close == '}')
	{
		if (s[pos] != '"')
			FAIL(pos, "object key expected");
		PUT_STRING();

		/*
		 * Compact text: the ':' right after the key and the value right
		 * after it (not white space, so skip_ws would not move either
		 * time); the value is known to start within the text.
		 */
		if (JT_LIKELY(len - pos >= 2 && s[pos] == ':' && s[pos + 1] > ' '))
		{
			pos++;
			goto value_here;
		}
		pos = skip_ws(s, pos, len);
		if (JT_UNLIKELY(pos >= len))
			FAIL(pos, "reply ends early (truncated JSON)");
		if (s[pos] != ':')
			FAIL(pos, "':' expected after an object key");
		pos = skip_ws(s, pos + 1, len);
	}
	goto value;

failed:
	p->n = n;
	return JFAIL;
}

#undef PUT_NODE
#undef FAIL
#undef PUT_STRING
#undef SCAN_PLAIN

oc_jnode *
oc_json_tape(const char *text, size_t len, uint32_t *nnodes, const char **why,
			 size_t *where)
{
	jparser		p;
	size_t		pos;

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
	if (p.cap > (uint32_t) OC_JSON_MAX_NODES)
		p.cap = (uint32_t) OC_JSON_MAX_NODES;
	p.nodes = malloc(sizeof(oc_jnode) * p.cap);
	if (p.nodes == NULL)
		p.cap = 0;
	pos = parse_text(&p, skip_ws(p.s, 0, len));
	if (pos != JFAIL)
	{
		pos = skip_ws(p.s, pos, len);
		if (pos < len)
			fail_at(&p, pos, "unexpected data after the JSON value");
	}
	if (p.why)
	{
		free(p.nodes);
		*why = p.why;
		if (where)
			*where = p.where;
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
