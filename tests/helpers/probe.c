/*
 * probe FILE: write what a spawned program inherited to FILE (atomically:
 * a temporary file, then rename), one "key value" line each: ids, process
 * group and session, umask, working directory, open descriptors, blocked
 * and ignored signals, then every environment variable as "env K=V".
 * Then wait for ever.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char	**environ;

/* "SigBlk:\t0000000000000000" from /proc/self/status */
static void
status_line(FILE *out, const char *key)
{
	char	 line[256];
	FILE	*f = fopen("/proc/self/status", "r");
	size_t	 n = strlen(key);

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			fprintf(out, "%s %s", key, line + n + 1 +
			    strspn(line + n + 1, " \t"));
			break;
		}
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	char		 tmp[PATH_MAX], cwd[PATH_MAX];
	struct dirent	*de;
	gid_t		 groups[64];
	mode_t		 mask;
	DIR		*dir;
	FILE		*out;
	int		 i, n;

	if (argc != 2) {
		fprintf(stderr, "usage: probe FILE\n");
		return 2;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	if ((out = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return 1;
	}
	fprintf(out, "pid %d\nppid %d\npgid %d\nsid %d\n", (int)getpid(),
	    (int)getppid(), (int)getpgid(0), (int)getsid(0));
	fprintf(out, "uid %d\ngid %d\n", (int)getuid(), (int)getgid());
	n = getgroups(64, groups);
	fprintf(out, "groups");
	for (i = 0; i < n; i++)
		fprintf(out, " %d", (int)groups[i]);
	fprintf(out, "\n");
	mask = umask(0);
	umask(mask);
	fprintf(out, "umask %04o\n", (unsigned)mask);
	fprintf(out, "cwd %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	/* Descriptors before fopen's own: the stream's fd is skipped. */
	fprintf(out, "fds");
	if ((dir = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.' ||
			    atoi(de->d_name) == dirfd(dir) ||
			    atoi(de->d_name) == fileno(out))
				continue;
			fprintf(out, " %s", de->d_name);
		}
		closedir(dir);
	}
	fprintf(out, "\n");
	status_line(out, "SigBlk");
	status_line(out, "SigIgn");
	for (i = 0; environ[i] != NULL; i++)
		fprintf(out, "env %s\n", environ[i]);
	if (fclose(out) == EOF || rename(tmp, argv[1]) == -1) {
		perror(argv[1]);
		return 1;
	}
	for (;;)
		pause();
}
