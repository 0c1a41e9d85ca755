/*
 * The os.path functions Supervisor applies to paths: expanduser(),
 * abspath() and normpath() (normalize_path), dirname(), and where
 * tempfile.gettempdir() points, for the default childlogdir.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"
#include "xmalloc.h"

char *
value_expanduser(const char *path)
{
	const char	*slash, *home = NULL;
	struct passwd	*pw;
	char		*name, *out;
	size_t		 n;

	if (path[0] != '~')
		return xstrdup(path);
	slash = strchr(path + 1, '/');
	n = slash != NULL ? (size_t)(slash - path) : strlen(path);
	if (n == 1) {
		if ((home = getenv("HOME")) == NULL) {
			if ((pw = getpwuid(getuid())) == NULL)
				return xstrdup(path);
			home = pw->pw_dir;
		}
	} else {
		name = xstrndup(path + 1, n - 1);
		pw = getpwnam(name);
		free(name);
		if (pw == NULL)
			return xstrdup(path);
		home = pw->pw_dir;
	}
	n = strlen(home);
	while (n > 0 && home[n - 1] == '/')
		n--;
	xasprintf(&out, "%.*s%s", (int)n, home, slash != NULL ? slash : "");
	if (*out == '\0') {
		free(out);
		out = xstrdup("/");
	}
	return out;
}

/* Python's posixpath.normpath. */
static char *
normpath(const char *path)
{
	char	*copy, *tok, *save, **parts = NULL, *out;
	size_t	 n = 0, i, len = 0, initial;

	if (*path == '\0')
		return xstrdup(".");
	initial = path[0] == '/' ? (path[1] == '/' && path[2] != '/' ? 2 :
	    1) : 0;
	copy = xstrdup(path);
	for (tok = strtok_r(copy, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0 && (initial == 0 ? n > 0 &&
		    strcmp(parts[n - 1], "..") != 0 : true)) {
			if (n > 0)
				n--;
			continue;
		}
		parts = xreallocarray(parts, n + 1, sizeof(*parts));
		parts[n++] = tok;
	}
	for (i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	out = xmalloc(len + initial + 2);
	memset(out, '/', initial);
	out[initial] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	if (*out == '\0')
		strcpy(out, ".");
	free(parts);
	free(copy);
	return out;
}

char *
value_abspath(const char *path)
{
	char	*cwd, *joined, *out;

	if (path[0] == '/')
		return normpath(path);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		cwd = xstrdup("/");
	xasprintf(&joined, "%s/%s", cwd, path);
	out = normpath(joined);
	free(joined);
	free(cwd);
	return out;
}

char *
value_normalize_path(const char *path)
{
	char	*home = value_expanduser(path), *out;

	out = value_abspath(home);
	free(home);
	return out;
}

char *
value_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');
	size_t		 n;

	if (slash == NULL)
		return xstrdup("");
	n = (size_t)(slash - path) + 1;
	/* Python keeps the slashes of a root, strips the others. */
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n == 0)
		n = (size_t)(slash - path) + 1;
	return xstrndup(path, n);
}

char *
value_tempdir(void)
{
	static const char *const vars[] = { "TMPDIR", "TEMP", "TMP" };
	const char	*dir;
	size_t		 i;

	/* tempfile.gettempdir(): the first usable of these, else /tmp. */
	for (i = 0; i < 3; i++) {
		dir = getenv(vars[i]);
		if (dir != NULL && *dir != '\0' &&
		    access(dir, W_OK | X_OK) == 0)
			return value_abspath(dir);
	}
	return xstrdup("/tmp");
}
