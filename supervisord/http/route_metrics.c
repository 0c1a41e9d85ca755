/*
 * GET /metrics: the Prometheus text format (0.0.4).  One table below
 * declares every metric family (name, type, help, how its samples are
 * made).  A scrape reads /proc once (metrics_scan.c), METRICS_STEP
 * processes a loop turn with its connection suspended, then writes the
 * families in the table's order.  Nothing runs between scrapes.
 */
#include <sys/resource.h>
#include <sys/types.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "event.h"
#include "log.h"
#include "metrics.h"
#include "procstat.h"
#include "reload.h"
#include "route.h"
#include "xmalloc.h"

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* Processes read from /proc in one loop turn (about 2 ms of a loaded
   small machine's time): a scrape never holds the loop longer. */
#define METRICS_STEP	128

/* A scrape whose /proc pass takes more than one turn (r->state). */
struct scrape_wait {
	ev_idle			 idle;
	struct http_req		*r;
	struct metrics_scan	*scan;
};

/* What one scrape knows: the processes' labels and usage, the daemon's. */
struct scrape {
	struct daemon		*d;
	struct proc		**procs;	/* the list's, then the removed
						   ones still stopping */
	size_t			 nprocs;
	struct proto_buf	 out;
	char			**labels;	/* name="..",group=".." */
	struct metrics_usage	*usage;
	bool			*seen;		/* usage[i] holds something */
	struct procstat		 self;
	bool			 self_ok;
	double			 hz;
	double			 pagesize;
};

struct metric_family;
typedef bool (*metric_value_fn)(const struct scrape *, const struct proc *,
	    size_t i, double *);
typedef void (*metric_write_fn)(struct scrape *,
	    const struct metric_family *);

struct metric_family {
	const char	*name;
	const char	*type;		/* "gauge", "counter" */
	const char	*help;
	/* Either a value: of each process (labels name and group), or of
	   the daemon when daemon is set; false when there is no sample... */
	metric_value_fn	 value;
	bool		 daemon;
	/* ... or samples with labels of their own. */
	metric_write_fn	 write;
};

/* Label values escaped as the text format says: \\, \" and \n. */
static void
put_escaped(struct proto_buf *b, const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			proto_buf_add(b, "\\\\", 2);
		else if (*p == '"')
			proto_buf_add(b, "\\\"", 2);
		else if (*p == '\n')
			proto_buf_add(b, "\\n", 2);
		else
			proto_buf_add(b, p, 1);
	}
}

static void
put_str(struct proto_buf *b, const char *s)
{
	proto_buf_add(b, s, strlen(s));
}

/* A sample's value and its line's end: integers without a fraction. */
static void
put_value(struct proto_buf *b, double v)
{
	char	buf[48], *p = buf + sizeof(buf);
	int	n;
	uint64_t u;

	if (v >= 0 && v < 9e15 && v == floor(v)) {
		*--p = '\n';
		u = (uint64_t)v;
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		proto_buf_add(b, p, (size_t)(buf + sizeof(buf) - p));
		return;
	}
	n = snprintf(buf, sizeof(buf), "%.6f\n", v);
	proto_buf_add(b, buf, (size_t)n);
}

/* name{labels} value; labels may be NULL. */
static void
put_sample(struct proto_buf *b, const char *name, const char *labels,
    double v)
{
	put_str(b, name);
	if (labels != NULL) {
		proto_buf_add(b, "{", 1);
		put_str(b, labels);
		proto_buf_add(b, "} ", 2);
	} else
		proto_buf_add(b, " ", 1);
	put_value(b, v);
}

/* supervisord_process_state: one series per state, 1 for the current.
   Eight lines a process: each made of three pieces, two of them made
   once a scrape. */
static void
write_state(struct scrape *s, const struct metric_family *f)
{
	static const enum proc_state states[] = {
		PROC_STOPPED, PROC_STARTING, PROC_RUNNING, PROC_BACKOFF,
		PROC_STOPPING, PROC_EXITED, PROC_FATAL, PROC_UNKNOWN,
	};
	enum { NSTATES = sizeof(states) / sizeof(states[0]) };
	char			 tail[NSTATES][32];
	int			 taillen[NSTATES];
	struct proto_buf	 head = { 0 };
	const struct proc	*p;
	size_t			 i, k;

	for (k = 0; k < NSTATES; k++)
		taillen[k] = snprintf(tail[k], sizeof(tail[k]), "%s\"} ",
		    proc_state_name(states[k]));
	for (i = 0; i < s->nprocs; i++) {
		p = s->procs[i];
		put_str(&head, f->name);
		proto_buf_add(&head, "{", 1);
		put_str(&head, s->labels[i]);
		put_str(&head, ",state=\"");
		for (k = 0; k < NSTATES; k++) {
			proto_buf_add(&s->out, head.data + head.off,
			    proto_buf_used(&head));
			proto_buf_add(&s->out, tail[k], (size_t)taillen[k]);
			put_value(&s->out, p->state == states[k]);
		}
		proto_buf_consume(&head, proto_buf_used(&head));
	}
	proto_buf_release(&head);
}

static bool
v_up(const struct scrape *s, const struct proc *p, size_t i, double *v)
{
	*v = p->pid != 0;
	return true;
}

static bool
v_ready(const struct scrape *s, const struct proc *p, size_t i, double *v)
{
	*v = p->state == PROC_RUNNING;
	return true;
}

static bool
v_start_time(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	*v = p->started_at;
	return p->ever_started;
}

static bool
v_restarts(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	*v = p->restarts;
	return true;
}

/* As a shell's $?: the code, or 128 + the signal's number. */
static bool
v_exit_status(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	const struct exit_info	*e = &p->last_exit;

	*v = e->signaled ? 128 + e->code : e->code;
	return e->valid;
}

static bool
v_dropped(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	*v = (double)p->dropped_bytes;
	return true;
}

static bool
v_cpu(const struct scrape *s, const struct proc *p, size_t i, double *v)
{
	*v = (double)s->usage[i].ticks / s->hz;
	return s->seen[i];
}

static bool
v_rss(const struct scrape *s, const struct proc *p, size_t i, double *v)
{
	*v = (double)s->usage[i].rss_pages * s->pagesize;
	return s->seen[i];
}

/* The daemon's own process_* metrics, as the client libraries name them. */
static bool
v_self_cpu(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return false;
	*v = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	return true;
}

static bool
v_self_rss(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	*v = (double)s->self.rss * s->pagesize;
	return s->self_ok;
}

static bool
v_self_vsize(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	*v = (double)s->self.vsize;
	return s->self_ok;
}

static bool
v_self_fds(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	long	n = metrics_open_fds();

	*v = (double)n;
	return n >= 0;
}

static bool
v_self_max_fds(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return false;
	*v = (double)rl.rlim_cur;
	return true;
}

static bool
v_self_start(const struct scrape *s, const struct proc *p, size_t i,
    double *v)
{
	*v = s->d->started_at;
	return true;
}

static void
write_build_info(struct scrape *s, const struct metric_family *f)
{
	put_sample(&s->out, f->name, "version=\"" SUPERVISORD_VERSION "\"", 1);
}

/* JSON clients of the control socket; HTTP ones, socket and TCP. */
static void
write_clients(struct scrape *s, const struct metric_family *f)
{
	put_sample(&s->out, f->name, "protocol=\"json\"",
	    (double)control_client_count());
	put_sample(&s->out, f->name, "protocol=\"http\"",
	    (double)http_connection_count());
}

static void
write_events(struct scrape *s, const struct metric_family *f)
{
	char	labels[64];
	int	t;

	for (t = 0; t < EVENT_TYPE_COUNT; t++) {
		snprintf(labels, sizeof(labels), "type=\"%s\"",
		    event_type_name((enum event_type)t));
		put_sample(&s->out, f->name, labels,
		    (double)event_published(s->d, (enum event_type)t));
	}
}

/* Every metric family the daemon exports, in the order written. */
static const struct metric_family families[] = {
	{ "supervisord_process_state", "gauge",
	    "Whether the process is in this state (1) or not (0).",
	    NULL, false, write_state },
	{ "supervisord_process_up", "gauge",
	    "Whether the process is alive: it has a pid (STARTING after its "
	    "fork, RUNNING, STOPPING).", v_up, false, NULL },
	{ "supervisord_process_ready", "gauge",
	    "Whether the process is RUNNING: up for startsecs, or READY=1 "
	    "with ready=notify.", v_ready, false, NULL },
	{ "supervisord_process_start_time_seconds", "gauge",
	    "When the process was last spawned, seconds since the epoch.",
	    v_start_time, false, NULL },
	{ "supervisord_process_restarts_total", "counter",
	    "Spawns of the process after its first one.",
	    v_restarts, false, NULL },
	{ "supervisord_process_exit_status", "gauge",
	    "How its last run ended: the exit code, or 128 + the signal "
	    "number.", v_exit_status, false, NULL },
	{ "supervisord_process_log_dropped_bytes_total", "counter",
	    "Bytes of its output that could not be logged.",
	    v_dropped, false, NULL },
	{ "supervisord_process_cpu_seconds_total", "counter",
	    "User and system CPU time of the members of its process group.",
	    v_cpu, false, NULL },
	{ "supervisord_process_resident_memory_bytes", "gauge",
	    "Resident memory of the members of its process group.",
	    v_rss, false, NULL },
	{ "supervisord_build_info", "gauge",
	    "The daemon's version, as a label.", NULL, true, write_build_info },
	{ "supervisord_clients_connected", "gauge",
	    "Connections served now, by protocol.", NULL, true, write_clients },
	{ "supervisord_events_total", "counter",
	    "Events that happened since the daemon started, by type.",
	    NULL, true, write_events },
	{ "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.",
	    v_self_cpu, true, NULL },
	{ "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.", v_self_rss, true, NULL },
	{ "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes.", v_self_vsize, true, NULL },
	{ "process_open_fds", "gauge",
	    "Number of open file descriptors.", v_self_fds, true, NULL },
	{ "process_max_fds", "gauge",
	    "Maximum number of open file descriptors.",
	    v_self_max_fds, true, NULL },
	{ "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.",
	    v_self_start, true, NULL },
};

static void
write_family(struct scrape *s, const struct metric_family *f)
{
	size_t	i;
	double	v;

	put_str(&s->out, "# HELP ");
	put_str(&s->out, f->name);
	proto_buf_add(&s->out, " ", 1);
	put_str(&s->out, f->help);
	put_str(&s->out, "\n# TYPE ");
	put_str(&s->out, f->name);
	proto_buf_add(&s->out, " ", 1);
	put_str(&s->out, f->type);
	proto_buf_add(&s->out, "\n", 1);
	if (f->write != NULL)
		f->write(s, f);
	else if (f->daemon) {
		if (f->value(s, NULL, 0, &v))
			put_sample(&s->out, f->name, NULL, v);
	} else
		for (i = 0; i < s->nprocs; i++)
			if (f->value(s, s->procs[i], i, &v))
				put_sample(&s->out, f->name, s->labels[i], v);
}

/* The labels and /proc figures of every process (its process group's
   in the pass, scan), the daemon's own. */
static void
scrape_init(struct scrape *s, struct daemon *d,
    const struct metrics_scan *scan)
{
	struct proto_buf		 lb = { 0 };
	const struct metrics_usage	*u;
	const struct proc		*p;
	size_t				 i;

	memset(s, 0, sizeof(*s));
	s->d = d;
	s->hz = (double)sysconf(_SC_CLK_TCK);
	s->pagesize = (double)sysconf(_SC_PAGESIZE);
	if (s->hz <= 0)
		s->hz = 100;
	/* A process a reload removed is exported until it is down. */
	s->nprocs = d->nprocs + reload_dropping_count(d);
	s->procs = xcalloc(s->nprocs + 1, sizeof(*s->procs));
	for (i = 0; i < s->nprocs; i++)
		s->procs[i] = i < d->nprocs ? d->procs[i] :
		    reload_dropping(d, i - d->nprocs);
	s->labels = xcalloc(s->nprocs + 1, sizeof(*s->labels));
	s->usage = xcalloc(s->nprocs + 1, sizeof(*s->usage));
	s->seen = xcalloc(s->nprocs + 1, sizeof(*s->seen));
	for (i = 0; i < s->nprocs; i++) {
		p = s->procs[i];
		put_str(&lb, "name=\"");
		put_escaped(&lb, p->cfg->name);
		put_str(&lb, "\",group=\"");
		put_escaped(&lb, p->cfg->group);
		proto_buf_add(&lb, "\"", 2);	/* and the NUL */
		s->labels[i] = xstrdup(lb.data + lb.off);
		proto_buf_consume(&lb, proto_buf_used(&lb));
		u = metrics_scan_group(scan, p->pgid != 0 ? p->pgid : p->pid);
		if (u != NULL && (p->pid != 0 || p->pgid != 0)) {
			s->usage[i] = *u;
			s->seen[i] = true;
		}
	}
	proto_buf_release(&lb);
	s->self_ok = procstat_read(getpid(), &s->self) == 0;
}

static void
scrape_release(struct scrape *s)
{
	size_t	i;

	for (i = 0; i < s->nprocs; i++)
		free(s->labels[i]);
	free(s->procs);
	free(s->labels);
	free(s->usage);
	free(s->seen);
}

/* The whole text, once the pass is over (scan NULL: /proc unreadable). */
static struct MHD_Response *
metrics_response(struct daemon *d, const struct metrics_scan *scan)
{
	static size_t		 last_size;	/* the last scrape's text */
	struct MHD_Response	*resp;
	struct scrape		 s;
	size_t			 i;

	scrape_init(&s, d, scan);
	/* Room for as much as last time at once, not a dozen reallocations
	   on the way (they copy the text while it is under the mmap
	   threshold). */
	if (last_size > 0)
		proto_buf_reserve_present(&s.out, last_size + last_size / 16);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		write_family(&s, &families[i]);
	scrape_release(&s);
	last_size = proto_buf_used(&s.out);
	if (s.out.off > 0)
		memmove(s.out.data, s.out.data + s.out.off,
		    proto_buf_used(&s.out));
	resp = sym_MHD_create_response_from_buffer(proto_buf_used(&s.out),
	    s.out.data, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(s.out.data);
		return NULL;
	}
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    METRICS_CONTENT_TYPE);
	return resp;
}

/* One more step of the pass per loop turn; the answer after the last. */
static void
step_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct scrape_wait	*sw = container_of(w, struct scrape_wait, idle);

	if (!metrics_scan_step(sw->scan, METRICS_STEP))
		return;
	ev_idle_stop(loop, w);
	http_req_answer(sw->r, MHD_HTTP_OK,
	    metrics_response(sw->r->daemon, sw->scan));
}

enum MHD_Result
route_metrics_serve(struct http_req *r)
{
	struct MHD_Response	*resp;
	struct scrape_wait	*sw;
	struct metrics_scan	*scan;
	enum MHD_Result		 rc;

	scan = metrics_scan_start();
	if (scan != NULL && !metrics_scan_step(scan, METRICS_STEP)) {
		sw = xcalloc(1, sizeof(*sw));
		sw->r = r;
		sw->scan = scan;
		ev_idle_init(&sw->idle, step_cb);
		/* The highest priority: a step every turn, however busy the
		   loop (an idle watcher of priority 0 waits for a turn
		   with nothing else to do, which a program flooding its
		   log may never leave). */
		ev_set_priority(&sw->idle, EV_MAXPRI);
		ev_idle_start(r->daemon->loop, &sw->idle);
		r->state = sw;
		http_req_suspend(r);
		return MHD_YES;
	}
	if ((resp = metrics_response(r->daemon, scan)) == NULL) {
		metrics_scan_free(scan);
		return MHD_NO;
	}
	metrics_scan_free(scan);
	rc = sym_MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	sym_MHD_destroy_response(resp);
	return rc;
}

/*
 * The daemon stops during the pass: answer now, with every family but
 * the /proc figures (CPU, memory), which the pass has not finished: a
 * partial sum would read as a counter reset.
 */
struct MHD_Response *
route_metrics_stopping(struct http_req *r)
{
	struct scrape_wait	*sw = r->state;

	if (sw == NULL)
		return NULL;
	ev_idle_stop(r->daemon->loop, &sw->idle);
	log_info("http: pid %ld: a scrape answered without its CPU and "
	    "memory figures: the daemon stops", (long)r->peer.pid);
	return metrics_response(r->daemon, NULL);
}

/* Answered, or the connection went away during the pass. */
void
route_metrics_release(struct http_req *r)
{
	struct scrape_wait	*sw = r->state;

	if (sw == NULL)
		return;
	ev_idle_stop(r->daemon->loop, &sw->idle);
	metrics_scan_free(sw->scan);
	free(sw);
	r->state = NULL;
}
