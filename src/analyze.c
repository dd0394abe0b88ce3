/*
 * analyze.c
 *      ANALYZE of an Okta foreign table: the table is read once, as
 *      SELECT of all its columns reads it (the same requests, pages, rate
 *      budget and max_fanout), and a random sample of its rows is kept for
 *      the planner's statistics; pg_class.reltuples becomes the number of
 *      rows read.
 *
 * The rows come through SPI, from a query of the table itself, so that they
 * are made exactly as a scan makes them: the one row reader (convert.c), no
 * second path to keep in step.  The query runs as ANALYZE runs it, as the
 * table's owner, so the owner's user mapping is the one used (as
 * postgres_fdw does).  The sample is a reservoir (Vitter's algorithm Z, in
 * PostgreSQL's utils/sampling.h): targrows rows, each row read equally
 * likely to be among them, in one pass.
 *
 * PostgreSQL analyzes a foreign table only when it is named (ANALYZE
 * okta.users; a database-wide ANALYZE and autovacuum skip foreign tables),
 * so no request is made that the user did not ask for.
 */
#include "oktafdw.h"

#include "access/htup_details.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/sampling.h"

/* rows taken from the cursor at a time */
#define ANALYZE_BATCH 1000

/*
 * The query that reads every column of the relation (its dropped columns
 * left out): "SELECT a, b FROM ONLY s.t".  map[i] is the query's column
 * (from 1) that gives the relation's attribute i, 0 for a dropped one.
 */
static char *
sample_query(Relation rel, int *map)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData sql;
	int			ncols = 0;
	int			i;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		map[i] = 0;
		if (a->attisdropped)
			continue;
		if (ncols > 0)
			appendStringInfoString(&sql, ", ");
		appendStringInfoString(&sql, quote_identifier(NameStr(a->attname)));
		map[i] = ++ncols;
	}
	if (ncols == 0)
		appendStringInfoString(&sql, "NULL");	/* a table of no column has rows */
	appendStringInfo(&sql, " FROM ONLY %s",
					 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												RelationGetRelationName(rel)));
	return sql.data;
}

/* AcquireSampleRowsFunc: up to targrows rows into rows[], made in the caller's context */
static int
okta_acquire_sample_rows(Relation rel, int elevel, HeapTuple *rows, int targrows,
						 double *totalrows, double *totaldeadrows)
{
	MemoryContext caller = CurrentMemoryContext;
	TupleDesc	desc = RelationGetDescr(rel);
	int		   *map = palloc(sizeof(int) * Max(desc->natts, 1));
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	char	   *sql = sample_query(rel, map);
	ReservoirStateData rstate;
	double		seen = 0;
	double		skip = -1;		/* rows to pass over before the next is taken */
	int			nsample = 0;
	Portal		portal;

	reservoir_init_selection_state(&rstate, targrows);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, ANALYZE_BATCH);
		if (SPI_processed == 0)
			break;
		for (r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			int			pos = -1;
			int			i;

			if (nsample < targrows)
				pos = nsample++;
			else
			{
				/* Vitter's Z: how many of the next rows to pass over */
				if (skip < 0)
					skip = reservoir_get_next_S(&rstate, seen, targrows);
				if (skip <= 0)
				{
					/* this row replaces a random one of the sample */
					pos = (int) (targrows * sampler_random_fract(&rstate.randstate));
					heap_freetuple(rows[pos]);
				}
				skip -= 1;
			}
			seen += 1;			/* rows read before the next one */
			if (pos < 0)
				continue;
			for (i = 0; i < desc->natts; i++)
			{
				if (map[i] > 0)
					values[i] = SPI_getbinval(tup, SPI_tuptable->tupdesc, map[i], &nulls[i]);
				else
				{
					values[i] = (Datum) 0;
					nulls[i] = true;
				}
			}
			/* copied out of SPI's memory, which SPI_finish frees */
			{
				MemoryContext spi = MemoryContextSwitchTo(caller);

				rows[pos] = heap_form_tuple(desc, values, nulls);
				MemoryContextSwitchTo(spi);
			}
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();

	*totalrows = seen;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": read %.0f rows from Okta, %d rows in sample",
					RelationGetRelationName(rel), seen, nsample)));
	return nsample;
}

/* AnalyzeForeignTable: every Okta table can be sampled */
bool
oktaAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
						BlockNumber *totalpages)
{
	*func = okta_acquire_sample_rows;
	*totalpages = 1;			/* no pages; ANALYZE wants a nonzero figure */
	return true;
}
