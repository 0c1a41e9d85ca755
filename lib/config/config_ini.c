/*
 * Reading supervisord.conf text as Python's RawConfigParser reads it with
 * Supervisor's settings (strict=False, inline comments ';' and '#').
 *
 * inih splits each key line into its name and value; a reader of ours
 * feeds it one physical line at a time from memory and applies first the
 * rules of Python's parser that inih does not have: universal newlines,
 * a BOM, ';' and '#' comments (inline ones only after whitespace),
 * continuation lines only when indented deeper than their key, blank lines
 * kept inside a value, and lines of any length.  A line inih could not
 * take as it is (too long for its 200-byte buffer, or holding a " ;" that
 * is not a comment) reaches it shortened, the key and separator followed
 * by a marker, and the handler takes the full value the reader kept.
 * inih calls the handler right after the reader returned the line, so the
 * reader's line number is the handler's.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"
#include "log.h"
#include "xmalloc.h"

#define INI_MARK	"\x01"	/* stands for a value inih cannot take */
#define INI_NAME_MAX	49	/* inih keeps section names this long */

enum line_kind {
	LINE_OTHER,		/* blank, comment, header, error: no handler */
	LINE_OPTION,		/* "key = value": one handler call */
	LINE_CONT,		/* continuation: one handler call */
};

/* One file being read: the reader's and the handler's shared state. */
struct ini_reader {
	struct ini		*ini;
	struct diags		*diags;
	const char		*file;
	const char		*buf;
	size_t			 len;
	size_t			 off;
	int			 lineno;
	char			*scratch;	/* the current line, terminated */

	/* RawConfigParser._read()'s state. */
	struct ini_section	*cursect;
	long			 optidx;	/* -1: no option */
	size_t			 indent_level;
	int			 pending_blank;	/* blank lines inside a value */
	bool			 header_error;	/* text before any section */
	bool			 skipping;	/* the section's keys are not kept */

	/* The line handed to inih last. */
	enum line_kind		 kind;
	char			*name_full;
	char			*value_full;
	bool			 mark_name;
	bool			 mark_value;

	bool			 sets_include;	/* this file set [include] files */
};

static const char *
ini_intern_file(struct ini *ini, const char *path)
{
	ini->files = xreallocarray(ini->files, ini->nfiles + 1,
	    sizeof(*ini->files));
	ini->files[ini->nfiles] = xstrdup(path);
	return ini->files[ini->nfiles++];
}

/*
 * Append a section, indexed by name: a file of 1000 programs looked each
 * header up among all the sections before it, and supctl, which reads the
 * file only for its socket, spent most of its time in strcmp().
 */
static void
ini_append(struct ini *ini, struct ini_section *sec)
{
	if (ini->n == ini->cap) {
		ini->cap = ini->cap == 0 ? 16 : ini->cap * 2;
		ini->v = xreallocarray(ini->v, ini->cap, sizeof(*ini->v));
	}
	ini->v[ini->n++] = sec;
	if (strmap_get(&ini->byname, sec->name) == NULL)
		strmap_put(&ini->byname, sec->name, sec);
}

struct ini_section *
ini_section(const struct ini *ini, const char *name)
{
	return strmap_get(&ini->byname, name);
}

static struct ini_entry *
section_entry(const struct ini_section *sec, const char *key)
{
	size_t	i;

	if (sec == NULL)
		return NULL;
	for (i = 0; i < sec->n; i++)
		if (strcmp(sec->v[i].key, key) == 0)
			return &sec->v[i];
	return NULL;
}

const struct ini_entry *
ini_get(const struct ini *ini, const struct ini_section *sec, const char *key)
{
	const struct ini_entry	*e;

	if ((e = section_entry(sec, key)) != NULL)
		return e;
	return section_entry(ini->defaults, key);
}

static void
section_free(struct ini_section *sec)
{
	size_t	i;

	if (sec == NULL)
		return;
	for (i = 0; i < sec->n; i++) {
		free(sec->v[i].key);
		free(sec->v[i].value);
	}
	free(sec->v);
	free(sec->name);
	free(sec);
}

void
ini_release(struct ini *ini)
{
	size_t	i;

	for (i = 0; i < ini->n; i++)
		section_free(ini->v[i]);
	free(ini->v);
	strmap_free(&ini->byname);
	section_free(ini->defaults);
	for (i = 0; i < ini->nfiles; i++)
		free(ini->files[i]);
	free(ini->files);
	memset(ini, 0, sizeof(*ini));
}

/*
 * The sections a client's load reads (see config_load_client()): in the
 * others supctl skips keys and values, which were most of the time it
 * took to find its socket in a file of 1000 programs.
 */
static bool
client_section(const char *name)
{
	return strcmp(name, "supervisord") == 0 ||
	    strcmp(name, "supervisorctl") == 0 ||
	    strcmp(name, "unix_http_server") == 0 ||
	    /* its port is checked with [supervisord]'s keys */
	    strcmp(name, "inet_http_server") == 0 ||
	    strcmp(name, "include") == 0 || strcmp(name, "DEFAULT") == 0;
}

/* A [section] line: a new section, or more of one seen before. */
static void
reader_section(struct ini_reader *rd, const char *name)
{
	struct ini		*ini = rd->ini;
	struct ini_section	*sec;

	rd->skipping = ini->client && !client_section(name);
	if (strcmp(name, "DEFAULT") == 0) {
		if (ini->defaults == NULL) {
			ini->defaults = xcalloc(1, sizeof(*sec));
			ini->defaults->name = xstrdup(name);
			ini->defaults->file = rd->file;
			ini->defaults->line = rd->lineno;
		}
		rd->cursect = ini->defaults;
		return;
	}
	if ((sec = ini_section(ini, name)) != NULL) {
		/* Nested includes each bring their own [include]. */
		if (strcmp(name, "include") != 0 || sec->file == rd->file)
			diags_add(rd->diags, false, rd->file, rd->lineno, "section "
		    "[%s] given again (first at %s:%d): its keys are merged",
		    name, sec->file, sec->line);
	} else {
		sec = xcalloc(1, sizeof(*sec));
		sec->name = xstrdup(name);
		sec->file = rd->file;
		sec->line = rd->lineno;
		ini_append(ini, sec);
	}
	rd->cursect = sec;
}

/* "key = value": set, or replace with a warning (the last one wins). */
static void
reader_option(struct ini_reader *rd, const char *name, const char *value)
{
	struct ini_section	*sec = rd->cursect;
	struct ini_entry	*e;
	char			*key, *p;

	key = value_strip(name);
	for (p = key; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if ((e = section_entry(sec, key)) != NULL) {
		if (strcmp(sec->name, "include") != 0 || e->file == rd->file)
			diags_add(rd->diags, false, rd->file, rd->lineno,
			    "[%s] %s given again (first at %s:%d): the last "
			    "one wins", sec->name, key, e->file, e->line);
		free(key);
		free(e->value);
	} else {
		sec->v = xreallocarray(sec->v, sec->n + 1, sizeof(*sec->v));
		e = &sec->v[sec->n++];
		e->key = key;
	}
	e->value = value_strip(value);
	e->file = rd->file;
	e->line = rd->lineno;
	e->here_done = false;
	rd->optidx = (long)(e - sec->v);
	rd->pending_blank = 0;
	if (sec != rd->ini->defaults && strcmp(sec->name, "include") == 0 &&
	    strcmp(e->key, "files") == 0)
		rd->sets_include = true;
}

/* An indented line: more of the current value, after any blank lines. */
static void
reader_continue(struct ini_reader *rd, const char *text)
{
	struct ini_entry	*e = &rd->cursect->v[rd->optidx];
	char			*more = value_strip(text), *joined;
	size_t			 len = strlen(e->value), add = strlen(more);
	int			 nl = rd->pending_blank + 1;

	joined = xmalloc(len + (size_t)nl + add + 1);
	memcpy(joined, e->value, len);
	memset(joined + len, '\n', (size_t)nl);
	memcpy(joined + len + (size_t)nl, more, add + 1);
	free(e->value);
	free(more);
	e->value = joined;
	rd->pending_blank = 0;
}

static int
ini_on_key(void *arg, const char *section, const char *name,
    const char *value)
{
	struct ini_reader	*rd = arg;

	(void)section;	/* the reader knows the section, at any length */
	switch (rd->kind) {
	case LINE_OPTION:
		reader_option(rd, rd->mark_name ? rd->name_full : name,
		    rd->mark_value ? rd->value_full : value);
		break;
	case LINE_CONT:
		reader_continue(rd, rd->mark_value ? rd->value_full : value);
		break;
	case LINE_OTHER:
		diags_add(rd->diags, true, rd->file, rd->lineno, "cannot parse "
		    "line: the INI reader and inih disagree on it");
		break;
	}
	rd->kind = LINE_OTHER;
	return 1;
}

/*
 * pre, s and post into out, cut to room as snprintf() cuts: the line for
 * inih, once for each line of the file (snprintf() was a fifth of the
 * reader's time).
 */
static void
line_out(char *out, size_t room, const char *pre, const char *s,
    const char *post)
{
	const char	*parts[3] = { pre, s, post };
	size_t		 off = 0, n, i;

	for (i = 0; i < 3 && off + 1 < room; i++) {
		n = strlen(parts[i]);
		if (n > room - 1 - off)
			n = room - 1 - off;
		memcpy(out + off, parts[i], n);
		off += n;
	}
	out[off] = '\0';
}

/* Would inih read s as we mean it?  No " ;" comment, and it fits. */
static bool
inih_safe(const char *s, size_t room)
{
	const char	*p;

	if (strlen(s) + 3 > room)	/* a leading space, '\n', '\0' */
		return false;
	for (p = s; (p = strchr(p, ';')) != NULL; p++)
		if (p > s && (p[-1] == ' ' || (p[-1] >= '\t' &&
		    p[-1] <= '\r')))
			return false;
	return true;
}

/* Python's comment rule: where the comment starts, or -1 if none. */
static long
comment_start(const char *line)
{
	static const char	 prefixes[] = { ';', '#' };
	long			 idx[2] = { -1, -1 }, start = -1;
	bool			 live[2] = { true, true };
	const char		*p;
	size_t			 i, len;

	/*
	 * Round by round, the next occurrence of each prefix; the first
	 * round that finds one at the start or after whitespace decides.
	 */
	while (start == -1 && (live[0] || live[1])) {
		for (i = 0; i < 2; i++) {
			if (!live[i])
				continue;
			p = strchr(line + idx[i] + 1, prefixes[i]);
			if (p == NULL) {
				live[i] = false;
				continue;
			}
			idx[i] = p - line;
			if ((p == line || value_space_before(line, p)) &&
			    (start == -1 || idx[i] < start))
				start = idx[i];
		}
	}
	/* Full-line comments: the stripped line starts with one. */
	p = line;
	while ((len = value_space(p)) > 0)
		p += len;
	if (*p == ';' || *p == '#')
		start = 0;
	return start;
}

/* A "key = value" line of a section (v: stripped, freed here). */
static void
reader_key_line(struct ini_reader *rd, char *v, char *out, size_t room)
{
	const char	*delim;

	if ((delim = strpbrk(v, "=:")) == NULL) {
		diags_add(rd->diags, true, rd->file, rd->lineno, "[%s] cannot "
		    "parse '%.80s': expected key = value, a [section] or a "
		    "comment", rd->cursect->name, v);
		free(v);
		return;
	}
	rd->name_full = value_strip_n(v, (size_t)(delim - v));
	rd->value_full = value_strip(delim + 1);
	if (*rd->name_full == '\0') {
		diags_add(rd->diags, true, rd->file, rd->lineno, "[%s] a key "
		    "is missing before '%c' in '%.80s'", rd->cursect->name,
		    *delim, v);
		rd->optidx = -1;	/* Python's optname '' is false */
		rd->pending_blank = 0;
		free(v);
		return;
	}
	if (rd->skipping) {
		/* In an option, as far as continuation lines go. */
		rd->optidx = 0;
		rd->pending_blank = 0;
		free(v);
		return;
	}
	rd->kind = LINE_OPTION;
	if (v[0] != '[' && inih_safe(v, room))
		line_out(out, room, "", v, "\n");
	else if (v[0] != '[' && strlen(rd->name_full) <= INI_NAME_MAX &&
	    inih_safe(rd->name_full, room - 3)) {
		rd->mark_value = true;
		line_out(out, room, "", rd->name_full, "=" INI_MARK "\n");
	} else {
		rd->mark_name = rd->mark_value = true;
		strcpy(out, INI_MARK "=" INI_MARK "\n");
	}
	free(v);
}

/* Decide what the line is, and write what inih should see into out. */
static void
reader_classify(struct ini_reader *rd, char *out, size_t room)
{
	const char	*line = rd->scratch, *p, *rb;
	char		*v;
	long		 cs;
	size_t		 indent, len;

	strcpy(out, "\n");
	cs = comment_start(line);
	v = value_strip_n(line, cs >= 0 ? (size_t)cs : strlen(line));
	if (*v == '\0') {
		if (cs < 0 && rd->cursect != NULL && rd->optidx >= 0)
			rd->pending_blank++;
		free(v);
		return;
	}
	for (p = line; (len = value_space(p)) > 0; p += len)
		;
	indent = value_codepoints(line, (size_t)(p - line));
	if (rd->cursect != NULL && rd->optidx >= 0 &&
	    indent > rd->indent_level) {
		if (rd->skipping) {
			free(v);
			return;
		}
		rd->kind = LINE_CONT;
		rd->value_full = v;
		if (inih_safe(v, room))
			line_out(out, room, " ", v, "\n");
		else {
			rd->mark_value = true;
			strcpy(out, " " INI_MARK "\n");
		}
		return;
	}
	rd->indent_level = indent;
	if (v[0] == '[' && (rb = strrchr(v, ']')) != NULL && rb - v >= 2) {
		v[rb - v] = '\0';
		reader_section(rd, v + 1);
		rd->optidx = -1;
		rd->pending_blank = 0;
		if (strlen(v + 1) <= INI_NAME_MAX && strchr(v + 1, ']') ==
		    NULL && inih_safe(v + 1, room - 2))
			line_out(out, room, "[", v + 1, "]\n");
		else
			strcpy(out, "[" INI_MARK "]\n");
		free(v);
		return;
	}
	if (rd->cursect == NULL) {
		if (!rd->header_error)
			diags_add(rd->diags, true, rd->file, rd->lineno, "text "
			    "before the first [section]: '%.80s'", v);
		rd->header_error = true;
		free(v);
		return;
	}
	reader_key_line(rd, v, out, room);
}

/* inih's fgets(): the next physical line, made ready for inih. */
static char *
ini_reader_fn(char *str, int num, void *arg)
{
	struct ini_reader	*rd = arg;
	const char		*line;
	size_t			 len;

	if (rd->kind != LINE_OTHER)
		diags_add(rd->diags, true, rd->file, rd->lineno, "cannot parse "
		    "line: inih did not read it as the INI reader did");
	rd->kind = LINE_OTHER;
	free(rd->name_full);
	free(rd->value_full);
	rd->name_full = rd->value_full = NULL;
	rd->mark_name = rd->mark_value = false;
	if (rd->off >= rd->len)
		return NULL;
	if (num < 16) {
		diags_add(rd->diags, true, rd->file, rd->lineno, "cannot parse "
		    "the file: inih's line buffer (%d bytes) is too small", num);
		return NULL;
	}

	/* Universal newlines: "\n", "\r\n" and "\r" all end a line. */
	line = rd->buf + rd->off;
	for (len = 0; rd->off + len < rd->len && line[len] != '\n' &&
	    line[len] != '\r'; len++)
		;
	rd->off += len;
	if (rd->off < rd->len)
		rd->off += rd->buf[rd->off] == '\r' && rd->off + 1 < rd->len &&
		    rd->buf[rd->off + 1] == '\n' ? 2 : 1;
	rd->lineno++;
	if (rd->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	free(rd->scratch);
	rd->scratch = xstrndup(line, len);
	if (memchr(line, '\0', len) != NULL) {
		diags_add(rd->diags, true, rd->file, rd->lineno, "a NUL byte "
		    "in the line");
		strcpy(str, "\n");
		return str;
	}
	reader_classify(rd, str, (size_t)num);
	return str;
}

/* Read the whole file into memory: inih reads it from there. */
static int
slurp(const char *path, char **buf, size_t *len)
{
	struct stat	 st;
	ssize_t		 r;
	size_t		 cap = 65536;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	*buf = xmalloc(cap);
	*len = 0;
	for (;;) {
		if (*len == cap)
			*buf = xrealloc(*buf, cap *= 2);
		r = read(fd, *buf + *len, cap - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		*len += (size_t)r;
	}
	saved = errno;
	close(fd);
	if (r == -1) {
		free(*buf);
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Read one file into ini: its sections and keys, merged with what is
 * there.  -1 (errno set) if it cannot be read; *sets_include tells
 * whether it set [include] files.
 */
int
ini_read_one(struct ini *ini, struct diags *diags, const char *path,
    bool *sets_include)
{
	struct ini_reader	 rd;
	char			*buf;
	size_t			 len;
	int			 r;

	if (slurp(path, &buf, &len) == -1)
		return -1;
	memset(&rd, 0, sizeof(rd));
	rd.ini = ini;
	rd.diags = diags;
	rd.file = ini_intern_file(ini, path);
	rd.buf = buf;
	rd.len = len;
	rd.optidx = -1;
	r = ini_parse_stream(ini_reader_fn, &rd, ini_on_key, &rd);
	if (r == -2)
		fatalx("cannot allocate memory");
	if (r > 0 || rd.kind != LINE_OTHER)
		diags_add(diags, true, rd.file, r > 0 ? r : rd.lineno,
		    "cannot parse line: inih did not read it as the INI "
		    "reader did");
	free(rd.name_full);
	free(rd.value_full);
	free(rd.scratch);
	free(buf);
	*sets_include = rd.sets_include;
	return 0;
}
