/*
 * master_workers [-d] [-l PORT] FILE: a server shaped like nginx.  The
 * master binds 127.0.0.1:PORT (with -l; SO_REUSEADDR, as nginx does) and
 * forks two workers that stay in its process group and ask for nothing
 * when it dies (no PR_SET_PDEATHSIG); it writes "master PID" and two
 * "worker PID" lines to FILE (atomically), then waits.  SIGTERM, SIGINT
 * or SIGQUIT: the master stops its workers and exits 0.  With -d it first
 * daemonizes as nginx does without "daemon off;": fork, the parent exits
 * 0 as soon as the child has called setsid() (nginx's parent does not
 * wait for it: here the test does not depend on who runs first), and the
 * child becomes the master.  A port in
 * use: "bind() to 127.0.0.1:PORT failed (98: Address already in use)",
 * exit 1.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t	stop;

static void
on_stop(int sig)
{
	stop = 1;
}

static int
listen_on(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		perror("socket");
		exit(1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		fprintf(stderr, "bind() to 127.0.0.1:%d failed (%d: %s)\n",
		    port, errno, strerror(errno));
		exit(1);
	}
	if (listen(fd, 16) == -1) {
		perror("listen");
		exit(1);
	}
	return fd;
}

static void
write_pids(const char *path, const char *text)
{
	char	tmp[4200];
	int	fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    close(fd) == -1 || rename(tmp, path) == -1) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t	 block, none;
	char		 buf[256], c;
	pid_t		 workers[2];
	int		 ch, i, port = 0, daemonize = 0, status, sync[2];

	while ((ch = getopt(argc, argv, "dl:")) != -1) {
		switch (ch) {
		case 'd':
			daemonize = 1;
			break;
		case 'l':
			port = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: master_workers [-d] [-l PORT] FILE\n");
		return 2;
	}
	if (port > 0)
		(void)listen_on(port);	/* inherited by the workers */
	if (daemonize && pipe(sync) == -1) {
		perror("pipe");
		return 1;
	}
	if (daemonize) {
		switch (fork()) {
		case -1:
			perror("fork");
			return 1;
		case 0:
			if (setsid() == -1)
				return 1;
			close(sync[0]);
			close(sync[1]);		/* the parent may go */
			break;
		default:
			close(sync[1]);
			while (read(sync[0], &c, 1) == -1 && errno == EINTR)
				;
			return 0;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	/* Blocked but in sigsuspend(): no signal lost before a wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &none);
	sigdelset(&none, SIGTERM);
	sigdelset(&none, SIGINT);
	sigdelset(&none, SIGQUIT);
	for (i = 0; i < 2; i++) {
		if ((workers[i] = fork()) == -1) {
			perror("fork");
			return 1;
		}
		if (workers[i] == 0) {
			/* A worker: nothing asked of the kernel at the
			   master's death; it stops when told. */
			while (!stop)
				sigsuspend(&none);
			_exit(0);
		}
	}
	snprintf(buf, sizeof(buf), "master %d\nworker %d\nworker %d\n",
	    (int)getpid(), (int)workers[0], (int)workers[1]);
	write_pids(argv[optind], buf);
	while (!stop)
		sigsuspend(&none);
	for (i = 0; i < 2; i++)
		(void)kill(workers[i], SIGTERM);
	for (i = 0; i < 2; i++)
		while (waitpid(workers[i], &status, 0) == -1 && errno == EINTR)
			;
	return 0;
}
