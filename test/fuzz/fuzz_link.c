/*
 * fuzz_link.c
 *      libFuzzer harness: oc_link_next (Link header -> rel="next" target)
 *      on arbitrary bytes.
 *
 * Checks, beyond memory safety: a result is never empty, and it is a
 * substring of the header value that sat between '<' and '>' (so it holds
 * no '>' and no NUL).
 */
#include "client/oc_internal.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *v = malloc(size + 1);
	char	   *next;

	if (v == NULL)
		return 0;
	memcpy(v, data, size);
	v[size] = '\0';

	next = oc_link_next(v);
	if (next != NULL)
	{
		const char *at;
		size_t		n = strlen(next);

		if (n == 0 || strchr(next, '>') != NULL)
			__builtin_trap();
		/* it must appear in the value as <next> */
		for (at = strstr(v, next); at != NULL; at = strstr(at + 1, next))
		{
			if (at > v && at[-1] == '<' && at[n] == '>')
				break;
		}
		if (at == NULL)
			__builtin_trap();
		free(next);
	}
	free(v);
	return 0;
}
