/*
 * jsonb_write.h
 *      Values straight from a JSON tape (src/client/jtape.c) in PostgreSQL's
 *      own formats: strings, numerics and jsonb (jsonb_write.c), and the
 *      key-order table a jsonb column keeps across the rows of a scan.
 *
 * Nothing here knows about scans or rows: a value is read from a tape (a
 * text, its nodes, a node index).  The key-order table is shared with the
 * row reader (convert.c), which marks an object's keys in it while it
 * looks them up, so that the writer need not look them up again; its
 * inline functions below are on that path.
 */
#ifndef JSONB_WRITE_H
#define JSONB_WRITE_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "client/okta_client.h"

/* a tape to read values from */
typedef struct OktaTape
{
	const char *text;
	const oc_jnode *nodes;
	bool		convert;		/* the database is not UTF-8: strings are
								 * converted to its encoding */
	uint32	   *shown;			/* if not NULL: set to a string inside a jsonb
								 * value while it is read, so that an error
								 * can show that string, not the whole value */
} OktaTape;

/*
 * A string node's value: in place when it holds no escapes and needs no
 * conversion (*len set; not NUL-terminated), else palloc'd.  A NUL inside
 * is an error (PostgreSQL text cannot hold it); so is a character the
 * database encoding cannot represent.
 */
extern const char *okta_tape_string(const OktaTape *tp, uint32 node, int *len);

/*
 * Append JSON number num[0..len) to b as numeric_in makes it (a varlena,
 * 4-byte header).  True if written directly (the plain forms Okta sends),
 * false if numeric_in made it (exponents, many digits).
 */
extern bool okta_numeric_append(StringInfo b, const char *num, int len);

/* ---------- short byte strings ---------- */

/*
 * Most keys and values are short, and a call to memcpy or memcmp for each
 * costs more than the work: from 4 to 16 bytes they are handled as two
 * words, the first and the last 8 bytes (4 under 8 bytes), overlapping
 * unless the length is twice the word.  n >= 4.
 */
static inline void
small_words(const char *p, int n, uint64 *first, uint64 *last)
{
	if (n >= 8)
	{
		memcpy(first, p, 8);
		memcpy(last, p + n - 8, 8);
	}
	else
	{
		uint32		a,
					b;

		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		*first = a;
		*last = b;
	}
}

/* copy n bytes (not overlapping) */
static inline void
copy_small(char *dst, const char *src, int n)
{
	uint64		first,
				last;

	if (n > 16)
		memcpy(dst, src, n);
	else if (n < 4)
		while (n-- > 0)
			*dst++ = *src++;
	else
	{
		small_words(src, n, &first, &last);
		if (n >= 8)
		{
			memcpy(dst + n - 8, &last, 8);
			memcpy(dst, &first, 8);
		}
		else
		{
			uint32		a = (uint32) first,
						b = (uint32) last;

			memcpy(dst + n - 4, &b, 4);
			memcpy(dst, &a, 4);
		}
	}
}

/* are n bytes at a and b the same? */
static inline bool
bytes_eq(const char *a, const char *b, int n)
{
	uint64		a1,
				a2,
				b1,
				b2;

	if (n > 16)
		return memcmp(a, b, n) == 0;
	if (n < 4)
	{
		while (n-- > 0)
			if (*a++ != *b++)
				return false;
		return true;
	}
	small_words(a, n, &a1, &a2);
	small_words(b, n, &b1, &b2);
	return ((a1 ^ b1) | (a2 ^ b2)) == 0;
}

/* a key's hash (len > 0): keys differ mostly in length, first and last bytes */
static inline uint32
key_hash(const char *k, int len)
{
	return (uint32) len * 131u + (unsigned char) k[0] * 31u +
		(unsigned char) k[len - 1] * 7u + (len > 2 ? (unsigned char) k[len / 2] : 0);
}

/* ---------- the key-order table ---------- */

/*
 * The keys a jsonb column's objects held so far in a scan, kept in jsonb's
 * key order, with a hash table over them.  Okta's objects of a kind (a
 * profile: the org's schema) draw their keys from a small set, so after
 * the first rows every key is known: an object's keys are then looked up,
 * marked, and read off in order by one walk over the known keys, instead
 * of being sorted row after row.  A key not seen before is put in its
 * place (rare after the first rows); an object with an escaped key, or
 * more keys than fit, takes the sorting path.
 */
#define JB_ORDER_MAX_KEYS	256
#define JB_ORDER_MAX_BYTES	8192
#define JB_ORDER_HASH		1024	/* a power of 2, > 2 * JB_ORDER_MAX_KEYS */

typedef struct JbKnownKey
{
	uint64		k;				/* the sort key (jsonb_write.c) */
	int			off;			/* in bytes[] */
	int			len;
	uint32		stamp;			/* == JbKeyOrder.stamp: in the current object */
	uint32		value;			/* then: its value's node */
	void	   *tag;			/* the owner's: tag_of(key), or NULL */
} JbKnownKey;

typedef struct JbKeyOrder
{
	int			nkeys;
	uint32		stamp;			/* per object */
	JbKnownKey	keys[JB_ORDER_MAX_KEYS];	/* in jsonb's order */
	int16		hash[JB_ORDER_HASH];	/* index + 1 into keys, 0 = empty */
	char		bytes[JB_ORDER_MAX_BYTES];
	int			nbytes;

	/*
	 * The owner's tag of each key, worked out once when the key is added
	 * (the row reader: the field the key is, so that marking a key also
	 * finds its field).  NULL: no tags.
	 */
	void	   *(*tag_of) (void *arg, const char *key, int len);
	void	   *tag_arg;

	/* the row reader's: which object its marks are of (convert.c) */
	uint64		marked_row;
	uint32		marked_node;
	int			marked_n;
} JbKeyOrder;

/* an empty table, palloc'd */
extern JbKeyOrder *okta_jb_order_new(void);
/* a new key, put in its place; its index, or -1 when there is no room */
extern int	okta_jb_order_add(JbKeyOrder *o, const char *s, int len);

/* a new object's marks: a stamp no key holds */
static inline void
jb_order_new_object(JbKeyOrder *o)
{
	if (unlikely(++o->stamp == 0))
	{
		int			i;

		for (i = 0; i < o->nkeys; i++)
			o->keys[i].stamp = 0;
		o->stamp = 1;
	}
}

/* a known key's index, or -1 */
static inline int
jb_order_find(const JbKeyOrder *o, const char *s, int len)
{
	uint32		h = len > 0 ? key_hash(s, len) & (JB_ORDER_HASH - 1) : 0;
	int			e;

	while ((e = o->hash[h]) != 0)
	{
		const JbKnownKey *kk = &o->keys[e - 1];

		if (kk->len == len && bytes_eq(o->bytes + kk->off, s, len))
			return e - 1;
		h = (h + 1) & (JB_ORDER_HASH - 1);
	}
	return -1;
}

/*
 * Mark one member's key among the known ones (adding it if new), with its
 * value node (a later duplicate's replaces the earlier's), counting it in
 * *distinct the first time in this object; NULL if the key is escaped or
 * there is no room.
 */
static inline JbKnownKey *
jb_order_mark_key(JbKeyOrder *o, const oc_jnode *key, const char *text, uint32 value,
				  int *distinct)
{
	const char *s = text + key->off;
	int			len = (int) key->len;
	int			idx;
	JbKnownKey *kk;

	if (key->escaped)
		return NULL;
	idx = jb_order_find(o, s, len);
	if (idx < 0 && (idx = okta_jb_order_add(o, s, len)) < 0)
		return NULL;
	kk = &o->keys[idx];
	if (kk->stamp != o->stamp)
	{
		kk->stamp = o->stamp;
		(*distinct)++;
	}
	kk->value = value;
	return kk;
}

/* ---------- jsonb ---------- */

/*
 * Node's value as a jsonb Datum, palloc'd: the bytes jsonb_in makes of the
 * same JSON text.  An object at the top takes its keys' order from order
 * (if not NULL), which learns the keys it did not hold yet.  marked >= 0
 * says that order's current marks are this object's keys already (marked
 * distinct ones), as the row reader leaves them; -1: the writer marks them.
 */
extern Datum okta_jsonb_from_tape(const OktaTape *tp, uint32 node, JbKeyOrder *order,
								  int marked);

#endif							/* JSONB_WRITE_H */
