/*
 * depends_on= between programs: every name must be a [program:x] section
 * and the graph must have no cycle, or the daemon could never start (or
 * stop) the programs on it.  Both are errors at the key's file:line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "xmalloc.h"

/* One program of the graph: its first process holds the edges. */
struct dnode {
	const struct proc_config *pc;
	size_t		*edges;		/* indices of the programs it needs */
	size_t		 nedges;
	int		 color;		/* 0 new, 1 on the path, 2 done */
};

struct dgraph {
	struct loader	*ld;
	struct dnode	*v;
	size_t		 n;
	size_t		*path;		/* the depth-first path, for messages */
	size_t		 npath;
};

static void
depends_error(struct loader *ld, const struct proc_config *pc,
    const char *msg)
{
	const struct ini_section	*sec;
	const struct ini_entry		*e = NULL;

	if ((sec = ini_section(ld->ini, pc->section)) != NULL)
		e = ini_get(ld->ini, sec, "depends_on");
	diags_add(ld->diags, true, e != NULL ? e->file : pc->file,
	    e != NULL ? e->line : pc->line, "[%s] depends_on: %s", pc->section,
	    msg);
}

static ssize_t
node_find(const struct dgraph *g, const char *program)
{
	size_t	i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->v[i].pc->program, program) == 0)
			return (ssize_t)i;
	return -1;
}

/* Programs in configuration order, each once (a program may be in two
   groups), with unknown names reported on the way. */
static void
graph_build(struct dgraph *g)
{
	const struct config	*cfg = g->ld->cfg;
	const struct proc_config *pc;
	struct dnode		*nd;
	char			*sec, *msg;
	size_t			 i, j, k;
	ssize_t			 to;

	for (i = 0; i < cfg->ngroups; i++) {
		for (j = 0; j < cfg->groups[i]->nprocs; j++) {
			pc = cfg->groups[i]->procs[j];
			if (node_find(g, pc->program) != -1)
				continue;
			g->v = xreallocarray(g->v, g->n + 1, sizeof(*g->v));
			memset(&g->v[g->n], 0, sizeof(g->v[g->n]));
			g->v[g->n++].pc = pc;
		}
	}
	for (i = 0; i < g->n; i++) {
		nd = &g->v[i];
		for (k = 0; k < nd->pc->ndepends_on; k++) {
			xasprintf(&sec, "program:%s", nd->pc->depends_on[k]);
			if (ini_section(g->ld->ini, sec) == NULL) {
				xasprintf(&msg, "no such program '%s' (no "
				    "[%s] section)", nd->pc->depends_on[k], sec);
				depends_error(g->ld, nd->pc, msg);
				free(msg);
			}
			free(sec);
			if ((to = node_find(g, nd->pc->depends_on[k])) == -1)
				continue;	/* said above, or failed to load */
			nd->edges = xreallocarray(nd->edges, nd->nedges + 1,
			    sizeof(*nd->edges));
			nd->edges[nd->nedges++] = (size_t)to;
		}
	}
}

/* "a -> b -> a": the path from the node that closes the cycle. */
static void
cycle_report(struct dgraph *g, size_t from, size_t to)
{
	char	*msg, *more;
	size_t	 i, start = 0;

	for (i = 0; i < g->npath; i++)
		if (g->path[i] == to)
			start = i;
	if (from == to)
		xasprintf(&msg, "'%s' depends on itself", g->v[to].pc->program);
	else {
		xasprintf(&msg, "dependency cycle: %s", g->v[to].pc->program);
		for (i = start + 1; i < g->npath; i++) {
			xasprintf(&more, "%s -> %s", msg,
			    g->v[g->path[i]].pc->program);
			free(msg);
			msg = more;
		}
		xasprintf(&more, "%s -> %s", msg, g->v[to].pc->program);
		free(msg);
		msg = more;
	}
	depends_error(g->ld, g->v[from].pc, msg);
	free(msg);
}

/* Depth first; an edge to a node on the path closes a cycle. */
static void
visit(struct dgraph *g, size_t i)
{
	struct dnode	*nd = &g->v[i];
	size_t		 k, to;

	nd->color = 1;
	g->path[g->npath++] = i;
	for (k = 0; k < nd->nedges; k++) {
		to = nd->edges[k];
		if (g->v[to].color == 1)
			cycle_report(g, i, to);
		else if (g->v[to].color == 0)
			visit(g, to);
	}
	g->npath--;
	nd->color = 2;
}

void
config_depends_check(struct loader *ld)
{
	struct dgraph	g = { .ld = ld };
	size_t		i;

	graph_build(&g);
	g.path = xcalloc(g.n + 1, sizeof(*g.path));
	for (i = 0; i < g.n; i++)
		if (g.v[i].color == 0)
			visit(&g, i);
	for (i = 0; i < g.n; i++)
		free(g.v[i].edges);
	free(g.v);
	free(g.path);
}
