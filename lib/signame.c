/*
 * Signal names and numbers.  The set is Python's signal module on Linux,
 * so a name Python would refuse is refused here too; the aliases it knows
 * (IOT, CLD, POLL) are read, never shown.
 */
#include <signal.h>
#include <stdio.h>
#include <strings.h>

#include "signame.h"

static const struct {
	const char	*name;
	int		 sig;
} signals[] = {
	/* Canonical names first: signal_name() returns the first match. */
	{ "HUP", SIGHUP },	{ "INT", SIGINT },	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },	{ "TRAP", SIGTRAP },	{ "ABRT", SIGABRT },
	{ "BUS", SIGBUS },	{ "FPE", SIGFPE },	{ "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },	{ "SEGV", SIGSEGV },	{ "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },	{ "ALRM", SIGALRM },	{ "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },	{ "CONT", SIGCONT },
	{ "STOP", SIGSTOP },	{ "TSTP", SIGTSTP },	{ "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },	{ "URG", SIGURG },	{ "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },	{ "IO", SIGIO },	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
	/* Aliases Python also knows. */
	{ "IOT", SIGABRT },	{ "CLD", SIGCHLD },	{ "POLL", SIGIO },
};

const char *
signal_name(int sig)
{
	size_t	i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	if (sig == SIGRTMIN)
		return "RTMIN";
	if (sig == SIGRTMAX)
		return "RTMAX";
	return NULL;
}

int
signal_from_name(const char *name)
{
	const char	*bare;
	size_t		 i;

	bare = strncasecmp(name, "SIG", 3) == 0 ? name + 3 : name;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(bare, signals[i].name) == 0)
			return signals[i].sig;
	if (strcasecmp(bare, "RTMIN") == 0)
		return SIGRTMIN;
	if (strcasecmp(bare, "RTMAX") == 0)
		return SIGRTMAX;
	return -1;
}

const char *
signal_label(int sig, char *buf, size_t len)
{
	const char	*name;

	if ((name = signal_name(sig)) != NULL)
		return name;
	snprintf(buf, len, "%d", sig);
	return buf;
}
