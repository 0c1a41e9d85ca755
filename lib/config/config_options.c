/*
 * What the option tables (config_table.c) do with a row: read a plain key
 * of a given type into its struct, print it as --print-config shows it,
 * find a row by key, and suggest the key an unknown one was meant to be.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "config_priv.h"
#include "log.h"
#include "signame.h"
#include "strv.h"
#include "xmalloc.h"

const void *
config_option_ptr(const struct config_option *o, const void *obj)
{
	return (const char *)obj + o->offset;
}

static void *
opt_ptr(const struct config_option *o, void *obj)
{
	return (char *)obj + o->offset;
}

/* "not a, b or c" for a choice. */
static void
choice_cause(const struct config_option *o, char *cause, size_t len)
{
	size_t	n = strv_len((char *const *)o->choices), i, at;

	at = (size_t)snprintf(cause, len, "not");
	for (i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(cause + at, len - at, "%s %s",
		    i == 0 ? "" : i + 1 == n ? " or" : ",", o->choices[i]);
}

static int
convert_int(const struct config_option *o, const char *v, long long *n,
    char *cause, size_t len)
{
	if (value_int(v, n, cause, len) == -1)
		return -1;
	if (*n < o->min || *n > o->max) {
		snprintf(cause, len, "out of range (%lld to %lld)", o->min,
		    o->max);
		return -1;
	}
	return 0;
}

/* A word of o->choices, in any case, spaces around ignored. */
static int
convert_choice(const struct config_option *o, const char *v, int *p,
    char *cause, size_t len)
{
	char	*bare = value_strip(v);
	size_t	 i;

	for (i = 0; o->choices[i] != NULL; i++) {
		if (strcasecmp(bare, o->choices[i]) == 0) {
			*p = (int)i;
			free(bare);
			return 0;
		}
	}
	free(bare);
	choice_cause(o, cause, len);
	return -1;
}

/* One plain value into its place; -1 with a cause when it is bad. */
static int
convert(const struct config_option *o, const char *v, void *p, char *cause,
    size_t len)
{
	long long	n;

	switch (o->type) {
	case OPT_BOOL:
		return value_bool(v, p, cause, len);
	case OPT_INT:
	case OPT_SECONDS:
		if (convert_int(o, v, &n, cause, len) == -1)
			return -1;
		*(int *)p = (int)(o->type == OPT_SECONDS ? n * 1000 : n);
		return 0;
	case OPT_BYTES:
		return value_bytes(v, p, cause, len);
	case OPT_UMASK:
	case OPT_MODE:
		return value_octal(v, p, cause, len);
	case OPT_SIGNAL:
		if (signal_parse(v, p) == 0)
			return 0;
		snprintf(cause, len, "not a signal name or number");
		return -1;
	case OPT_CHOICE:
		return convert_choice(o, v, p, cause, len);
	default:
		break;
	}
	fatalx("option %s: type %d has no converter", o->key, (int)o->type);
}

/* A list key: its names, each once, empty ones dropped; NULL if none. */
static char **
list_value(const char *v)
{
	char	**words, **list = NULL;
	size_t	  n = 0, i;

	words = value_list(v, &i);
	for (i = 0; words[i] != NULL; i++)
		if (*words[i] != '\0')
			strv_add_unique(&list, &n, words[i]);
	strv_free(words);
	return list;
}

/* A string-valued key: NULL for a word meaning unset (serverurl=AUTO). */
static char *
string_value(const struct config_option *o, const char *v)
{
	char	*bare;
	size_t	 i;

	if (o->type == OPT_PATH)
		return value_normalize_path(v);
	if (o->type == OPT_LIST)
		return (char *)list_value(v);
	bare = value_strip(v);
	for (i = 0; o->choices != NULL && o->choices[i] != NULL; i++) {
		if (strcasecmp(bare, o->choices[i]) == 0) {
			free(bare);
			return NULL;
		}
	}
	free(bare);
	return xstrdup(v);
}

static bool
is_string(const struct config_option *o)
{
	return o->type == OPT_STRING || o->type == OPT_PATH ||
	    o->type == OPT_LIST;
}

/* The default of a key: its row's text read as a value, or none. */
static void
opt_default(const struct config_option *o, void *p)
{
	char	cause[128];

	if (is_string(o)) {
		*(char **)p = o->def != NULL ? string_value(o, o->def) : NULL;
		return;
	}
	if (o->def == NULL) {
		if (o->type == OPT_UMASK || o->type == OPT_MODE)
			*(int *)p = -1;
		else if (o->type == OPT_BYTES)
			*(uint64_t *)p = 0;
		else if (o->type == OPT_BOOL)
			*(bool *)p = false;
		else
			*(int *)p = 0;
		return;
	}
	if (convert(o, o->def, p, cause, sizeof(cause)) == -1)
		fatalx("option %s: bad default '%s': %s", o->key, o->def,
		    cause);
}

void
opt_parse(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	const struct ini_entry	*e;
	void			*p = opt_ptr(o, obj);
	char			*v, cause[256];

	if (o->flags & OPT_UNUSED)
		return;
	if (o->parse != NULL) {
		o->parse(sc, o, ex, obj);
		return;
	}
	if (sect_get(sc, o->key, ex, 1, &v, &e) != 1) {
		opt_default(o, p);
		return;
	}
	if (is_string(o))
		*(char **)p = string_value(o, v);
	else if (convert(o, v, p, cause, sizeof(cause)) == -1) {
		sect_error(sc, e, o->key, v, "%s", cause);
		opt_default(o, p);
	}
	free(v);
}

void
opt_parse_rows(struct sect *sc, enum config_section s, unsigned mask,
    unsigned want, const struct expn *ex, void *obj)
{
	const struct config_option	*o;
	size_t				 n, i;

	o = config_options(s, &n);
	for (i = 0; i < n; i++) {
		if ((o[i].flags & OPT_OWN) || (o[i].type == OPT_SPECIAL &&
		    o[i].parse == NULL) || (o[i].flags & mask) != want)
			continue;
		opt_parse(sc, &o[i], ex, obj);
	}
}

void
opt_parse_key(struct sect *sc, enum config_section s, const char *key,
    const struct expn *ex, void *obj)
{
	const struct config_option	*o = config_option_find(s, key);

	if (o == NULL)
		fatalx("no option %s in [%s]", key, config_section_name(s));
	opt_parse(sc, o, ex, obj);
}

/* Copies of a struct's strings and lists, after a memberwise copy. */
void
opt_dup_strings(enum config_section s, unsigned mask, unsigned want,
    void *obj)
{
	const struct config_option	*o;
	char				**p;
	size_t				 n, i;

	o = config_options(s, &n);
	for (i = 0; i < n; i++) {
		if (!is_string(&o[i]) || (o[i].flags & OPT_UNUSED) ||
		    (o[i].flags & mask) != want)
			continue;
		p = opt_ptr(&o[i], obj);
		if (o[i].type == OPT_LIST)
			*p = (char *)strv_dup((char *const *)*p);
		else if (*p != NULL)
			*p = xstrdup(*p);
	}
}

/* Free a struct's strings and lists. */
void
opt_free_strings(enum config_section s, void *obj)
{
	const struct config_option	*o;
	char				**p;
	size_t				 n, i;

	o = config_options(s, &n);
	for (i = 0; i < n; i++) {
		if (!is_string(&o[i]) || (o[i].flags & OPT_UNUSED))
			continue;
		p = opt_ptr(&o[i], obj);
		if (o[i].type == OPT_LIST)
			strv_free((char **)*p);
		else
			free(*p);
		*p = NULL;
	}
}

static void
json_octal(cJSON *j, const char *key, int mode, const char *fmt)
{
	char	buf[16];

	if (mode < 0) {
		cJSON_AddNullToObject(j, key);
		return;
	}
	snprintf(buf, sizeof(buf), fmt, (unsigned)mode);
	cJSON_AddStringToObject(j, key, buf);
}

void
opt_json_string(cJSON *j, const char *key, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(j, key, s);
	else
		cJSON_AddNullToObject(j, key);
}

void
opt_json_list(cJSON *j, const char *key, char *const *list)
{
	cJSON	*a = cJSON_AddArrayToObject(j, key);

	for (; list != NULL && *list != NULL; list++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*list));
}

void
config_option_json(cJSON *j, const struct config_option *o, const void *obj)
{
	const void	*p = config_option_ptr(o, obj);

	if (o->json != NULL) {
		o->json(j, o, obj);
		return;
	}
	switch (o->type) {
	case OPT_BOOL:
		cJSON_AddBoolToObject(j, o->key, *(const bool *)p);
		break;
	case OPT_INT:
		cJSON_AddNumberToObject(j, o->key, *(const int *)p);
		break;
	case OPT_SECONDS:
		cJSON_AddNumberToObject(j, o->key, *(const int *)p / 1000);
		break;
	case OPT_BYTES:
		cJSON_AddNumberToObject(j, o->key,
		    (double)*(const uint64_t *)p);
		break;
	case OPT_UMASK:
	case OPT_MODE:
		json_octal(j, o->key, *(const int *)p, o->type == OPT_MODE ?
		    "%04o" : "%03o");
		break;
	case OPT_SIGNAL:
		opt_json_string(j, o->key, signal_name(*(const int *)p));
		break;
	case OPT_CHOICE:
		cJSON_AddStringToObject(j, o->key, o->choices[*(const int *)p]);
		break;
	case OPT_STRING:
	case OPT_PATH:
		opt_json_string(j, o->key, *(char *const *)p);
		break;
	case OPT_LIST:
		opt_json_list(j, o->key, *(char **const *)p);
		break;
	case OPT_SPECIAL:
		break;
	}
}

/* Every printed option of a section, in table order. */
void
opt_json_rows(cJSON *j, enum config_section s, const void *obj)
{
	const struct config_option	*o;
	size_t				 n, i;

	o = config_options(s, &n);
	for (i = 0; i < n; i++)
		if (!(o[i].flags & OPT_UNUSED) && (o[i].type != OPT_SPECIAL ||
		    o[i].json != NULL))
			config_option_json(j, &o[i], obj);
}

const struct config_option *
config_option_find(enum config_section s, const char *key)
{
	const struct config_option	*o;
	size_t				 n, i;

	o = config_options(s, &n);
	for (i = 0; i < n; i++)
		if (strcmp(o[i].key, key) == 0)
			return &o[i];
	return NULL;
}

/* Levenshtein distance, capped: keys are short. */
static size_t
distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), row[64], i, j, prev, cur;

	if (la >= sizeof(row) / sizeof(row[0]) || lb >= sizeof(row) /
	    sizeof(row[0]))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (cur + 1 < row[j])
				row[j] = cur + 1;
			prev = cur;
		}
	}
	return row[lb];
}

const char *
config_option_suggest(enum config_section s, const char *key)
{
	const struct config_option	*o;
	const char			*best = NULL;
	size_t				 n, i, d, bestd = SIZE_MAX;

	o = config_options(s, &n);
	for (i = 0; i < n; i++) {
		if ((d = distance(key, o[i].key)) < bestd) {
			bestd = d;
			best = o[i].key;
		}
	}
	/* Close: a typo or two, not another word. */
	if (best == NULL || bestd > 2 || bestd * 3 > strlen(key))
		return NULL;
	return best;
}

/* A string with a leading ~ expanded (directory, childlogdir). */
void
opt_parse_expanduser(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	char	**out = opt_ptr(o, obj), *s;

	*out = NULL;
	if (sect_get(sc, o->key, ex, 1, &s, NULL) != 1)
		return;
	*out = value_expanduser(s);
	free(s);
}

void
opt_json_env(cJSON *j, const struct config_option *o, const void *obj)
{
	const struct env	*env = config_option_ptr(o, obj);
	cJSON			*e = cJSON_AddObjectToObject(j, o->key);
	size_t			 i;

	for (i = 0; i < env->n; i++)
		cJSON_AddStringToObject(e, env->keys[i], env->vals[i]);
}
