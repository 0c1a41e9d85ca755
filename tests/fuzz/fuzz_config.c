/*
 * libFuzzer target for the configuration loader: each input is a
 * supervisord.conf (and the files it includes), loaded, checked and dumped
 * the way `supervisord -t --print-config` would, inside a private folder
 * that includes cannot leave.
 *
 * Input: the main file's text; a line "#@file NAME" starts another file,
 * written next to it as NAME (one folder level allowed, e.g. conf.d/a.ini)
 * so that [include] files= globs find something.  The environment is fixed
 * and glob() and open() are wrapped (ld --wrap) to find nothing outside
 * the folder while an input runs (includes, environment_file=), so a run
 * depends on its input only and reads no file but those it wrote
 * (config_check() stat()s paths and looks up users, nothing more).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "log.h"

#define FUZZ_TARGET	"fuzz_config"
#include "fuzz.h"

#define FUZZ_MARK	"#@file "
#define FUZZ_NAME_MAX	40
#define FUZZ_FILES_MAX	8

int	__real_glob(const char *, int, int (*)(const char *, int), glob_t *);
int	__wrap_glob(const char *, int, int (*)(const char *, int), glob_t *);
int	__real_open(const char *, int, ...);
int	__wrap_open(const char *, int, ...);

static char	fuzz_dir[256];
static char	fuzz_main[300];
static int	fuzz_null = -1;
static int	fuzz_cwd = -1;	/* libFuzzer's, for its corpus paths */
static bool	fuzz_running;	/* inside LLVMFuzzerTestOneInput() */

/* A path in the folder: relative (the folder is the cwd) or under it. */
static bool
inside(const char *path)
{
	size_t	n = strlen(fuzz_dir);

	if (strstr(path, "..") != NULL)
		return false;
	return path[0] != '/' || (strncmp(path, fuzz_dir, n) == 0 &&
	    path[n] == '/');
}

/* Includes stay in the folder: other patterns match nothing. */
int
__wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int),
    glob_t *g)
{
	if (!inside(pattern) || pattern[0] != '/')
		return GLOB_NOMATCH;
	return __real_glob(pattern, flags, errfunc, g);
}

/* Files outside the folder do not exist for the loader. */
int
__wrap_open(const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (fuzz_running && !inside(path)) {
		errno = ENOENT;
		return -1;
	}
	return __real_open(path, flags, mode);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

/* Empty the folder: what the last input wrote must not leak into this. */
static void
fuzz_clean(void)
{
	nftw(fuzz_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fuzz_exit(void)
{
	fuzz_clean();
	rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz-config.XXXXXX",
	    tmp != NULL && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL ||
	    (fuzz_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		perror("fuzz_config: cannot make a private folder");
		exit(1);
	}
	atexit(fuzz_exit);
	snprintf(fuzz_main, sizeof(fuzz_main), "%s/supervisord.conf",
	    fuzz_dir);
	/* A fixed environment: %(ENV_X)s and the defaults depend on it. */
	clearenv();
	setenv("HOME", fuzz_dir, 1);
	setenv("TMPDIR", fuzz_dir, 1);
	setenv("PATH", "/usr/bin:/bin", 1);
	setenv("USER", "fuzz", 1);
	setenv("FUZZ_WORD", "word", 1);
	setenv("FUZZ_PCT", "100%", 1);
	if ((fuzz_null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		perror("fuzz_config: /dev/null");
		exit(1);
	}
	log_init("fuzz_config", LOG_LEVEL_CRIT);
	return 0;
}

/* NAME after the mark, made safe: [A-Za-z0-9._-], at most one folder. */
static int
file_name(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	size_t	i, o = 0;
	bool	slash = false, start = true;

	for (i = 0; i < n && o + 2 < outlen && o < FUZZ_NAME_MAX; i++) {
		if (p[i] == '/' && !slash && !start) {
			slash = start = true;
			out[o++] = '/';
			continue;
		}
		if (start && p[i] == '.')
			out[o++] = '_';
		else if ((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
		    p[i] == '-' || p[i] == '_')
			out[o++] = (char)p[i];
		else
			out[o++] = '_';
		start = false;
	}
	if (o == 0 || start)
		return -1;
	out[o] = '\0';
	return 0;
}

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
	char	 dir[320], *slash;
	int	 fd;
	ssize_t	 w;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0700);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return;
	while (n > 0 && (w = write(fd, p, n)) > 0) {
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

/* Split the input at "#@file NAME" lines and write each part. */
static void
write_files(const uint8_t *data, size_t size)
{
	const uint8_t	*start = data, *end = data + size, *p, *eol;
	char		 path[320], name[FUZZ_NAME_MAX + 2];
	size_t		 mlen = strlen(FUZZ_MARK);
	int		 nfiles = 0;

	snprintf(path, sizeof(path), "%s", fuzz_main);
	for (p = data; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((size_t)(eol - p) <= mlen || memcmp(p, FUZZ_MARK, mlen) != 0)
			continue;
		if (file_name(p + mlen, (size_t)(eol - p) - mlen, name,
		    sizeof(name)) == -1 || nfiles == FUZZ_FILES_MAX)
			continue;
		write_file(path, start, (size_t)(p - start));
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
		start = eol < end ? eol + 1 : end;
		nfiles++;
		if (eol == end)
			break;
	}
	write_file(path, start, (size_t)(end - start));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags	 diags = { 0 };
	struct config	*cfg;
	cJSON		*doc;
	char		*text;

	/* Relative paths resolve in the private folder, not libFuzzer's. */
	if (chdir(fuzz_dir) == -1)
		abort();
	fuzz_running = true;
	fuzz_clean();
	write_files(data, size);
	cfg = config_load(fuzz_main, &diags);
	if (cfg != NULL) {
		config_check(cfg, &diags);
		if ((doc = config_to_json(cfg)) == NULL)
			abort();
		if ((text = cJSON_PrintUnformatted(doc)) == NULL)
			abort();
		cJSON_free(text);
		cJSON_Delete(doc);
		config_nprocs(cfg);
		if (cfg->ngroups > 0 && cfg->groups[0]->nprocs > 0 &&
		    config_find_proc(cfg, cfg->groups[0]->name,
		    cfg->groups[0]->procs[0]->name) != cfg->groups[0]->procs[0])
			abort();
		config_free(cfg);
	} else if (diags.nerrors == 0)
		abort();	/* a refusal always says why */
	diags_print(&diags, fuzz_null);
	diags_release(&diags);
	fuzz_running = false;
	if (fchdir(fuzz_cwd) == -1)
		abort();
	return 0;
}
