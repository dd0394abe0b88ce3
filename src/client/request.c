/*
 * request.c
 *      Every request target (path?query) the client sends is built here,
 *      together with the form EXPLAIN shows.
 *
 * A request is a literal path, path segments (values, percent-encoded so
 * that a value can never name another endpoint) and query parameters.  The
 * target is what goes on the wire; the shown form is the same request with
 * query values as they are (readable search expressions) and, for EXPLAIN
 * without execution, segments not known yet as {name}.  A request with such
 * a segment is for showing only: oc_request_target() gives NULL.
 */
#include "oc_internal.h"

#include <stdio.h>
#include <string.h>

void
oc_request_init(oc_request *r, const char *path)
{
	oc_buf_init(&r->target);
	oc_buf_init(&r->shown);
	r->nparams = 0;
	r->unknown = 0;
	oc_request_path(r, path);
}

void
oc_request_path(oc_request *r, const char *literal)
{
	oc_buf_puts(&r->target, literal);
	oc_buf_puts(&r->shown, literal);
}

void
oc_request_segment(oc_request *r, const char *value)
{
	size_t		start = r->target.len;

	oc_buf_puts(&r->target, "/");
	oc_encode_path_segment(&r->target, value);
	if (!r->target.failed)
		oc_buf_append(&r->shown, r->target.data + start, r->target.len - start);
}

void
oc_request_unknown(oc_request *r, const char *name)
{
	oc_buf_printf(&r->shown, "/{%s}", name);
	r->unknown = 1;
}

void
oc_request_param(oc_request *r, const char *name, const char *value)
{
	const char *sep = r->nparams++ ? "&" : "?";

	oc_buf_puts(&r->target, sep);
	oc_buf_puts(&r->target, name);
	oc_buf_puts(&r->target, "=");
	oc_encode_query_value(&r->target, value);
	oc_buf_printf(&r->shown, "%s%s=%s", sep, name, value);
}

void
oc_request_unknown_param(oc_request *r, const char *name, const char *shown)
{
	oc_buf_printf(&r->shown, "%s%s={%s}", r->nparams++ ? "&" : "?", name, shown);
	r->unknown = 1;
}

void
oc_request_param_int(oc_request *r, const char *name, long value)
{
	char		v[24];

	snprintf(v, sizeof(v), "%ld", value);
	oc_request_param(r, name, v);
}

const char *
oc_request_target(const oc_request *r)
{
	if (r->unknown || r->target.failed)
		return NULL;
	return r->target.data;
}

const char *
oc_request_shown(const oc_request *r)
{
	return r->shown.failed ? NULL : r->shown.data;
}

int
oc_request_failed(const oc_request *r)
{
	return r->target.failed || r->shown.failed;
}

void
oc_request_free(oc_request *r)
{
	oc_buf_free(&r->target);
	oc_buf_free(&r->shown);
}
