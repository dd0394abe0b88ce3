/*
 * tape_bench.c
 *      Micro-benchmark of the JSON tape (oc_json_tape) on an Okta-like
 *      users page, against json-c's tokener on the same bytes.
 *
 *      test/bench/tape_bench PAGE.json [ROUNDS]
 *
 * PAGE.json is written by test/bench/tape_page.py (make bench-parse does
 * both).  Each round parses the page TAPE_ITERS times with the tape, then
 * JSONC_ITERS times with json-c (in turn, so that both see the same
 * machine); the figures are the medians over ROUNDS (default 15) rounds:
 * MB/s of page text, ns per user object (the page's top-level array
 * elements), and the ratio tape / json-c of the times.  Both sides include
 * freeing what they built (the tape array; json-c's tree).  Not a test: no
 * thresholds.
 */
#include "client/oc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

/* parses per round: each round takes a few tenths of a second */
#define TAPE_ITERS	1000
#define JSONC_ITERS	50

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* seconds for TAPE_ITERS tape parses; *sink keeps the work observable */
static double
round_tape(const char *text, size_t len, unsigned long *sink)
{
	double		t0 = now_sec();
	int			i;

	for (i = 0; i < TAPE_ITERS; i++)
	{
		uint32_t	n;
		const char *why;
		oc_jnode   *t = oc_json_tape(text, len, &n, &why, NULL);

		if (t == NULL)
		{
			fprintf(stderr, "tape_bench: the tape refuses the page: %s\n", why);
			exit(1);
		}
		*sink += n + t[n - 1].len;
		free(t);
	}
	return now_sec() - t0;
}

/* seconds for JSONC_ITERS json-c parses (tree built and freed) */
static double
round_jsonc(const char *text, size_t len, unsigned long *sink)
{
	json_tokener *tok = json_tokener_new();
	double		t0 = now_sec();
	int			i;

	for (i = 0; i < JSONC_ITERS; i++)
	{
		json_object *o;

		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, text, (int) len);
		if (o == NULL)
		{
			fprintf(stderr, "tape_bench: json-c refuses the page: %s\n",
					json_tokener_error_desc(json_tokener_get_error(tok)));
			exit(1);
		}
		*sink += json_object_array_length(o);
		json_object_put(o);
	}
	t0 = now_sec() - t0;
	json_tokener_free(tok);
	return t0;
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	char	   *text;
	long		len;
	int			rounds = argc > 2 ? atoi(argv[2]) : 15;
	double	   *tt,
			   *tj;
	double		mt,
				mj;
	unsigned long sink = 0;
	uint32_t	n;
	const char *why;
	oc_jnode   *t;
	int			r;

	if (argc < 2 || rounds < 1)
	{
		fprintf(stderr, "usage: tape_bench PAGE.json [ROUNDS]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0)
	{
		perror(argv[1]);
		return 1;
	}
	rewind(f);
	/* exactly len bytes: the tape must not read past them (no padding) */
	text = malloc(len);
	if (text == NULL || fread(text, 1, len, f) != (size_t) len)
	{
		perror(argv[1]);
		return 1;
	}
	fclose(f);

	t = oc_json_tape(text, len, &n, &why, NULL);
	if (t == NULL || t[0].type != OC_JARRAY || t[0].count == 0)
	{
		fprintf(stderr, "tape_bench: %s is not a JSON array of objects\n", argv[1]);
		return 1;
	}
	printf("page: %ld bytes, %u users, %u tape nodes; %d rounds of %d tape and %d json-c parses\n",
		   len, t[0].count, n, rounds, TAPE_ITERS, JSONC_ITERS);

	tt = malloc(sizeof(double) * rounds);
	tj = malloc(sizeof(double) * rounds);
	/* warm-up: caches, the allocator's free lists */
	round_tape(text, len, &sink);
	round_jsonc(text, len, &sink);
	for (r = 0; r < rounds; r++)
	{
		tt[r] = round_tape(text, len, &sink);
		tj[r] = round_jsonc(text, len, &sink);
	}
	mt = median(tt, rounds) / TAPE_ITERS;
	mj = median(tj, rounds) / JSONC_ITERS;
	printf("oc_json_tape:          %8.1f MB/s  %8.1f ns/user\n",
		   len / mt / 1e6, mt * 1e9 / t[0].count);
	printf("json_tokener_parse_ex: %8.1f MB/s  %8.1f ns/user\n",
		   len / mj / 1e6, mj * 1e9 / t[0].count);
	printf("tape / json-c time:    %8.3f  (json-c / tape: %.1fx)\n", mt / mj, mj / mt);
	if (sink == 0)
		printf("(sink %lu)\n", sink);
	free(t);
	free(tt);
	free(tj);
	free(text);
	return 0;
}
