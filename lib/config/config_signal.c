/*
 * Signal names and numbers as Supervisor's datatypes.signal_number() reads
 * them (a number, or a name with or without SIG, any case) and as its
 * stopsignal is shown ("TERM").  The set is Python's signal module on
 * Linux, so a number Python would refuse is refused here too.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_priv.h"

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
signal_parse(const char *s, int *sig)
{
	char		 cause[64], *name;
	const char	*bare;
	long long	 num;
	size_t		 i;
	int		 found = -1;

	if (value_int(s, &num, cause, sizeof(cause)) == 0) {
		/* Only the numbers of named signals (0 stops nothing). */
		if (num <= 0 || num > SIGRTMAX || (signal_name((int)num) ==
		    NULL))
			return -1;
		*sig = (int)num;
		return 0;
	}
	name = value_strip(s);
	bare = strncasecmp(name, "SIG", 3) == 0 ? name + 3 : name;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(bare, signals[i].name) == 0)
			found = signals[i].sig;
	if (strcasecmp(bare, "RTMIN") == 0)
		found = SIGRTMIN;
	else if (strcasecmp(bare, "RTMAX") == 0)
		found = SIGRTMAX;
	free(name);
	if (found == -1)
		return -1;
	*sig = found;
	return 0;
}
