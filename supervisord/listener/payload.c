/*
 * Supervisor's payloads (supervisor/events.py), byte for byte, for the
 * engine's events: PROCESS_STATE_* carry processname, groupname,
 * from_state, and tries (STARTING, BACKOFF), expected and pid (EXITED),
 * pid (RUNNING, STOPPING, STOPPED), nothing more for FATAL and UNKNOWN;
 * SUPERVISOR_STATE_CHANGE_* carry nothing, PROCESS_GROUP_* the group's
 * name and a newline, TICK_* when its period began; a program's output
 * (PROCESS_LOG_*, PROCESS_COMMUNICATION_*) its names, pid and channel
 * then the data, "Undecodable: b'...'" when it is not UTF-8;
 * REMOTE_COMMUNICATION its type then the data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "listener.h"
#include "proto.h"
#include "xmalloc.h"

static enum evtype
state_type(enum proc_state s)
{
	switch (s) {
	case PROC_STOPPED:	return EVT_PROCESS_STATE_STOPPED;
	case PROC_STARTING:	return EVT_PROCESS_STATE_STARTING;
	case PROC_RUNNING:	return EVT_PROCESS_STATE_RUNNING;
	case PROC_BACKOFF:	return EVT_PROCESS_STATE_BACKOFF;
	case PROC_STOPPING:	return EVT_PROCESS_STATE_STOPPING;
	case PROC_EXITED:	return EVT_PROCESS_STATE_EXITED;
	case PROC_FATAL:	return EVT_PROCESS_STATE_FATAL;
	case PROC_UNKNOWN:	return EVT_PROCESS_STATE_UNKNOWN;
	}
	return EVT_PROCESS_STATE_UNKNOWN;
}

static int
process_state_payload(const struct event *e, struct pevent *pe)
{
	char	*s;
	int	 n;

	pe->type = state_type(e->to);
	switch (pe->type) {
	case EVT_PROCESS_STATE_STARTING:
	case EVT_PROCESS_STATE_BACKOFF:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s "
		    "tries:%u", e->name, e->group, proc_state_name(e->from),
		    e->tries);
		break;
	case EVT_PROCESS_STATE_EXITED:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s "
		    "expected:%d pid:%d", e->name, e->group,
		    proc_state_name(e->from), e->exit.expected ? 1 : 0,
		    (int)e->pid);
		break;
	case EVT_PROCESS_STATE_RUNNING:
	case EVT_PROCESS_STATE_STOPPING:
	case EVT_PROCESS_STATE_STOPPED:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s "
		    "pid:%d", e->name, e->group, proc_state_name(e->from),
		    (int)e->pid);
		break;
	default:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s",
		    e->name, e->group, proc_state_name(e->from));
		break;
	}
	pe->payload = s;
	pe->len = (size_t)n;
	pe->chars = payload_chars(s, pe->len);
	return 0;
}

static enum evtype
tick_type(int period)
{
	return period == 5 ? EVT_TICK_5 : period == 60 ? EVT_TICK_60 :
	    EVT_TICK_3600;
}

int
payload_make(const struct event *e, struct pevent *pe)
{
	int	n;

	pe->payload = NULL;
	pe->len = 0;
	pe->pid = 0;
	switch (e->type) {
	case EVENT_PROCESS_STATE:
		return process_state_payload(e, pe);
	case EVENT_SUPERVISOR_STATE:
		/* A reload is Supervisor's update (reloadConfig and the
		   groups added or removed): no state change of its own. */
		if (e->daemon_state == DAEMON_RELOADING)
			return -1;
		pe->type = e->daemon_state == DAEMON_STOPPING ?
		    EVT_SUPERVISOR_STATE_CHANGE_STOPPING :
		    EVT_SUPERVISOR_STATE_CHANGE_RUNNING;
		n = xasprintf(&pe->payload, "%s", "");
		break;
	case EVENT_PROCESS_GROUP:
		pe->type = e->added ? EVT_PROCESS_GROUP_ADDED :
		    EVT_PROCESS_GROUP_REMOVED;
		n = xasprintf(&pe->payload, "groupname:%s\n", e->group);
		break;
	case EVENT_TICK:
		pe->type = tick_type(e->period);
		n = xasprintf(&pe->payload, "when:%lld", e->when);
		break;
	default:
		return -1;
	}
	pe->len = (size_t)n;
	pe->chars = payload_chars(pe->payload, pe->len);
	return 0;
}

void
pevent_free(struct pevent *pe)
{
	if (pe == NULL)
		return;
	free(pe->payload);
	free(pe);
}

bool
payload_utf8(const char *s, size_t n, size_t *chars)
{
	size_t		i = 0, c = 0;
	uint64_t	w;
	int		k;

	while (i < n) {
		/* ASCII eight bytes at a time: most output is. */
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				c += 8;
				continue;
			}
		}
		/* Invalid or cut short: not what Python's strict decoder
		   takes. */
		if ((k = proto_utf8_seq(s + i, n - i)) <= 0)
			return false;
		i += (size_t)k;
		c++;
	}
	*chars = c;
	return true;
}

size_t
payload_pyrepr(const char *in, size_t len, char *out)
{
	char		 quote = '\'';
	size_t		 i, k = 0;
	unsigned char	 c;

	if (memchr(in, '\'', len) != NULL && memchr(in, '"', len) == NULL)
		quote = '"';
	out[k++] = 'b';
	out[k++] = quote;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == (unsigned char)quote || c == '\\') {
			out[k++] = '\\';
			out[k++] = (char)c;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			out[k++] = '\\';
			out[k++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(out + k, 5, "\\x%02x", c);
			k += 4;
		} else
			out[k++] = (char)c;
	}
	out[k++] = quote;
	return k;
}

/* Python's len() of the payload: its characters, not its bytes (a
   listener reading its text stdin reads characters).  Payloads are
   UTF-8: what is not a continuation byte begins a character; ASCII is
   counted eight bytes at a time. */
size_t
payload_chars(const char *s, size_t len)
{
	size_t		i = 0, n = 0;
	uint64_t	w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if ((w & 0x8080808080808080ULL) == 0) {
			n += 8;
			continue;
		}
		break;
	}
	for (; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* head, then data as Python's as_string() makes it: itself when it is
   UTF-8, else "Undecodable: " and its repr. */
static void
payload_with_data(const char *head, size_t hlen, const char *data,
    size_t len, struct pevent *pe)
{
	static const char undecodable[] = "Undecodable: ";
	size_t		  n;

	if (payload_utf8(data, len, &n)) {
		pe->chars = payload_chars(head, hlen) + n;
		pe->payload = xmalloc(hlen + len + 1);
		memcpy(pe->payload, head, hlen);
		memcpy(pe->payload + hlen, data, len);
		pe->len = hlen + len;
	} else {
		pe->payload = xmalloc(hlen + sizeof(undecodable) + 4 * len + 4);
		memcpy(pe->payload, head, hlen);
		memcpy(pe->payload + hlen, undecodable, sizeof(undecodable) - 1);
		n = hlen + sizeof(undecodable) - 1;
		pe->len = n + payload_pyrepr(data, len, pe->payload + n);
		pe->chars = payload_chars(pe->payload, pe->len);
	}
	pe->payload[pe->len] = '\0';
}

void
payload_output(const struct proc *p, enum evtype t, pid_t pid,
    const char *data, size_t len, struct pevent *pe)
{
	char	*head;
	int	 n;

	pe->type = t;
	pe->pid = pid;
	if (evtype_is(t, EVT_PROCESS_LOG))
		n = xasprintf(&head, "processname:%s groupname:%s pid:%d "
		    "channel:%s\n", p->cfg->name, p->cfg->group, (int)pid,
		    t == EVT_PROCESS_LOG_STDERR ? "stderr" : "stdout");
	else
		n = xasprintf(&head, "processname:%s groupname:%s pid:%d\n",
		    p->cfg->name, p->cfg->group, (int)pid);
	payload_with_data(head, (size_t)n, data, len, pe);
	free(head);
}

void
payload_remote(const char *type, const char *data, size_t len,
    struct pevent *pe)
{
	char	*head;
	int	 n;

	pe->type = EVT_REMOTE_COMMUNICATION;
	pe->pid = 0;
	n = xasprintf(&head, "type:%s\n", type);
	payload_with_data(head, (size_t)n, data, len, pe);
	free(head);
}
