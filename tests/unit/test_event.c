/*
 * The engine's events (event.c, event_json.c) over the state machine
 * without forking (proc_fixture.h): the queue delivered after the input,
 * its order when a subscriber acts, the end-of-turn queue, the other
 * types, and the JSON of each.
 */
#include "jsonw.h"
#include "proc_fixture.h"

/*
 * The event queue (engine/event.c).  A subscriber that acts on the
 * machine sees a finished transition: the process entered STARTING and
 * was forked before anyone hears of it, so a stop signals it.
 */
static pid_t	 seen_pid;
static unsigned	 late_n;
static enum proc_state late_to[8];

static void
stop_on_starting(const struct event *e, void *arg)
{
	char	cause[64];

	if (e->to != PROC_STARTING)
		return;
	seen_pid = e->pid;
	ck_assert_int_eq(e->proc->state, PROC_STARTING);
	ck_assert_int_ne(e->proc->pid, 0);	/* the fork is done */
	ck_assert_int_eq(proc_stop(e->proc, cause, sizeof(cause)), 0);
}

static void
late_recorder(const struct event *e, void *arg)
{
	ck_assert_uint_lt(late_n, 8);
	late_to[late_n++] = e->to;
}

START_TEST(subscriber_acts_on_a_finished_transition)
{
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_AFTER_INPUT, stop_on_starting, NULL);
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_AFTER_INPUT, late_recorder, NULL);
	late_n = 0;
	start_ok();
	ck_assert_uint_eq(R.nspawn, 1);
	ck_assert_int_eq(seen_pid, 1000);
	ck_assert_uint_eq(R.nkills, 1);
	ck_assert_int_eq(R.kills[0].sig, SIGTERM);
	last_was(PROC_STARTING, PROC_STOPPING);
	ck_assert_int_eq(P.stop_reason, STOP_ASKED);
	/* Order kept: one registered after the actor sees STARTING first
	   (a nested call would have shown it STOPPING first). */
	ck_assert_uint_eq(late_n, 2);
	ck_assert_int_eq(late_to[0], PROC_STARTING);
	ck_assert_int_eq(late_to[1], PROC_STOPPING);
	ck_assert_uint_eq(R.ntrans, 2);
}
END_TEST

static unsigned	 once_calls;

static void
remove_self(const struct event *e, void *arg)
{
	once_calls++;
	event_unsubscribe(e->proc->daemon, remove_self, arg);
}

START_TEST(subscriber_removes_itself)
{
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_AFTER_INPUT, remove_self, &D);
	once_calls = 0;
	to_running();
	ck_assert_uint_eq(once_calls, 1);
	ck_assert_uint_eq(R.ntrans, 2);		/* the recorder saw both */
}
END_TEST

/* Added during a delivery: the next event, not the current one. */
static void
add_late(const struct event *e, void *arg)
{
	if (e->to == PROC_STARTING)
		event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
		    EVENT_AFTER_INPUT, late_recorder, NULL);
}

START_TEST(subscriber_added_during_a_delivery)
{
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_AFTER_INPUT, add_late, NULL);
	late_n = 0;
	to_running();
	ck_assert_uint_eq(late_n, 1);
	ck_assert_int_eq(late_to[0], PROC_RUNNING);
}
END_TEST

/* The end-of-turn queue: in order, numbered, with the new pid. */
static struct event	 turn_ev[8];
static char		 turn_err[8][128];
static unsigned		 turn_n;

static void
turn_recorder(const struct event *e, void *arg)
{
	ck_assert_uint_lt(turn_n, 8);
	turn_ev[turn_n] = *e;
	snprintf(turn_err[turn_n], sizeof(turn_err[0]), "%s %s:%s",
	    e->spawnerr != NULL ? e->spawnerr : "-", e->group, e->name);
	turn_n++;
}

START_TEST(end_of_turn_queue)
{
	turn_n = 0;
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_END_OF_TURN, turn_recorder, NULL);
	to_running();
	ck_assert_uint_eq(turn_n, 0);		/* not before the turn ends */
	proc_exited(&P, 1 << 8, false);		/* EXITED, then STARTING */
	event_flush(&D);
	ck_assert_uint_eq(turn_n, 4);
	ck_assert_int_eq(turn_ev[0].to, PROC_STARTING);
	ck_assert_int_eq(turn_ev[0].pid, 1000);
	ck_assert_int_eq(turn_ev[1].to, PROC_RUNNING);
	ck_assert_int_eq(turn_ev[2].to, PROC_EXITED);
	ck_assert_int_eq(turn_ev[2].pid, 1000);	/* the pid it had */
	ck_assert(turn_ev[2].exit.valid);
	ck_assert_int_eq(turn_ev[2].exit.code, 1);
	ck_assert(!turn_ev[2].exit.expected);
	ck_assert_int_eq(turn_ev[3].to, PROC_STARTING);
	ck_assert_int_eq(turn_ev[3].pid, 1001);	/* the new one */
	ck_assert_uint_lt(turn_ev[0].serial, turn_ev[1].serial);
	ck_assert_uint_lt(turn_ev[2].serial, turn_ev[3].serial);
	ck_assert_str_eq(turn_err[3], "- web:web");
	event_flush(&D);
	ck_assert_uint_eq(turn_n, 4);		/* delivered once */
}
END_TEST

/* Subscribed in the middle of a turn: only what follows. */
START_TEST(end_of_turn_since_subscription)
{
	turn_n = 0;
	start_ok();
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_END_OF_TURN, turn_recorder, NULL);
	R.spawn_fail = 1;
	proc_exited(&P, 1 << 8, false);		/* BACKOFF */
	event_flush(&D);
	ck_assert_uint_eq(turn_n, 1);
	ck_assert_int_eq(turn_ev[0].from, PROC_STARTING);
	ck_assert_int_eq(turn_ev[0].to, PROC_BACKOFF);
	ck_assert_uint_eq(turn_ev[0].tries, 1);
}
END_TEST

/* A process freed before the turn ends: its events keep its names. */
START_TEST(end_of_turn_proc_gone)
{
	turn_n = 0;
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_END_OF_TURN, turn_recorder, NULL);
	R.spawn_fail = 1;
	start_ok();				/* STARTING, BACKOFF */
	event_proc_gone(&D, &P);
	C.name = "other";
	event_flush(&D);
	ck_assert_uint_eq(turn_n, 2);
	ck_assert_ptr_null(turn_ev[1].proc);
	ck_assert_str_eq(turn_err[1], "spawn error: too many processes to "
	    "spawn web:web");
}
END_TEST

/* A process removed, the daemon's state: delivered at once. */
static struct event	 now_ev[4];
static unsigned		 now_n;

static void
now_recorder(const struct event *e, void *arg)
{
	ck_assert_uint_lt(now_n, 4);
	now_ev[now_n++] = *e;
}

START_TEST(other_types_at_once)
{
	now_n = 0;
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_REMOVED) |
	    EVENT_MASK(EVENT_SUPERVISOR_STATE), EVENT_AFTER_INPUT,
	    now_recorder, NULL);
	to_running();
	ck_assert_uint_eq(now_n, 0);		/* not its types */
	event_process_removed(&P);
	ck_assert_uint_eq(now_n, 1);
	ck_assert_int_eq(now_ev[0].type, EVENT_PROCESS_REMOVED);
	ck_assert_ptr_eq(now_ev[0].proc, &P);
	ck_assert_int_eq(now_ev[0].pid, 1000);
	event_daemon_state(&D, DAEMON_STOPPING);
	ck_assert_uint_eq(now_n, 2);
	ck_assert_int_eq(now_ev[1].daemon_state, DAEMON_STOPPING);
	ck_assert_uint_gt(now_ev[1].serial, now_ev[0].serial);
}
END_TEST

/* What event_write() makes of one, as a string. */
static void
event_text(const struct event *e, char *buf, size_t len)
{
	struct proto_buf	b = { 0 };
	struct jsonw		w;

	jsonw_init(&w, &b);
	jsonw_object(&w, NULL);
	event_write(&w, e);
	jsonw_object_end(&w);
	snprintf(buf, len, "%.*s", (int)proto_buf_used(&b), b.data + b.off);
	proto_buf_release(&b);
}

START_TEST(json_of_each_type)
{
	char		 buf[1024];
	const char	*line;
	size_t		 len;

	turn_n = 0;
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_END_OF_TURN, turn_recorder, NULL);
	C.group = "pool";
	to_running();
	proc_exited(&P, 1 << 8, false);		/* EXITED, then STARTING */
	ck_assert_int_eq(proc_stop(&P, buf, sizeof(buf)), 0);
	R.timer = -1;
	event_flush(&D);
	ck_assert_uint_eq(turn_n, 5);
	event_text(&turn_ev[2], buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"program\":\"web\",\"group\":\"pool\","
	    "\"fullname\":\"pool:web\",\"from\":\"RUNNING\","
	    "\"to\":\"EXITED\",\"time\":1000001.000000,"
	    "\"exit\":{\"code\":1,\"signal\":null,\"core\":false,"
	    "\"expected\":false,\"description\":\"exit status 1\"},"
	    "\"pid\":1000,\"serial\":3,\"type\":\"PROCESS_STATE_EXITED\","
	    "\"tries\":0,\"stop_reason\":null}");
	event_text(&turn_ev[4], buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\"to\":\"STOPPING\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"stop_reason\":\"asked\""));
	/* The stream line: the envelope around the same members. */
	line = event_line(&D, &turn_ev[4], &len);
	ck_assert_int_eq(strncmp(line, "{\"ok\":true,\"stream\":\"event\","
	    "\"program\":\"web\"", 41), 0);
	ck_assert_int_eq(line[len - 1], '\n');
	ck_assert_ptr_eq(event_line(&D, &turn_ev[4], &len), line); /* kept */
	turn_ev[0].type = EVENT_SUPERVISOR_STATE;
	turn_ev[0].daemon_state = DAEMON_RELOADING;
	event_text(&turn_ev[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"state\":\"RELOADING\","
	    "\"time\":1000000.000000,\"serial\":1,"
	    "\"type\":\"SUPERVISOR_STATE_CHANGE_RELOADING\"}");
}
END_TEST

static Suite *
event_suite(void)
{
	Suite	*s = suite_create("event");
	TCase	*tc = tcase_create("queue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, subscriber_acts_on_a_finished_transition);
	tcase_add_test(tc, subscriber_removes_itself);
	tcase_add_test(tc, subscriber_added_during_a_delivery);
	tcase_add_test(tc, end_of_turn_queue);
	tcase_add_test(tc, end_of_turn_since_subscription);
	tcase_add_test(tc, end_of_turn_proc_gone);
	tcase_add_test(tc, other_types_at_once);
	tcase_add_test(tc, json_of_each_type);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	log_init("test_event", LOG_LEVEL_CRIT);
	sr = srunner_create(event_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
