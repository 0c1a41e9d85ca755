/*
 * The protocol's byte handling: framing buffers for both ends of the
 * socket, and JSON string literals for log bytes that may be any bytes
 * at all (invalid UTF-8 becomes U+FFFD, so every reply is valid JSON).
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "xmalloc.h"

/*
 * The length of the UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF).  Positive: a valid sequence.
 * Negative: -n, the first n bytes are the maximal invalid subpart (one
 * U+FFFD).  Zero: a valid but incomplete sequence cut by the end.
 */
static int
utf8_seq(const uint8_t *s, size_t len)
{
	uint8_t	c = s[0], lo = 0x80, hi = 0xbf;
	int	need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= len)
			return 0;
		if (s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

int
proto_utf8_seq(const void *buf, size_t len)
{
	return utf8_seq(buf, len);
}

size_t
proto_json_escape(char *out, const void *buf, size_t len, const char *bad,
    size_t badlen)
{
	static const char	 hex[] = "0123456789abcdef";
	const uint8_t		*s = buf;
	char			*o = out;
	size_t			 i = 0;
	int			 n;

	*o++ = '"';
	while (i < len) {
		if (s[i] >= 0x80) {
			if ((n = utf8_seq(s + i, len - i)) == 0)
				n = -(int)(len - i);
			if (n < 0) {
				memcpy(o, bad, badlen);
				o += badlen;
				i += -n;
			} else {
				memcpy(o, s + i, n);
				o += n;
				i += n;
			}
			continue;
		}
		switch (s[i]) {
		case '"':
		case '\\':
			*o++ = '\\';
			*o++ = s[i];
			break;
		case '\b':
			*o++ = '\\';
			*o++ = 'b';
			break;
		case '\f':
			*o++ = '\\';
			*o++ = 'f';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		default:
			if (s[i] < 0x20) {
				memcpy(o, "\\u00", 4);
				o[4] = hex[s[i] >> 4];
				o[5] = hex[s[i] & 0xf];
				o += 6;
			} else
				*o++ = s[i];
			break;
		}
		i++;
	}
	*o++ = '"';
	return (size_t)(o - out);
}

char *
proto_json_string(const void *buf, size_t len, size_t *outlen)
{
	char	*out;

	/* Worst case: each byte a 6-byte escape, the quotes and a NUL. */
	out = xreallocarray(NULL, len + 1, 6);
	*outlen = proto_json_escape(out, buf, len, "\\ufffd", 6);
	out[*outlen] = '\0';
	return out;
}

/*
 * The text with each invalid UTF-8 sequence replaced by U+FFFD, into a new
 * allocation with extra spare bytes at the end; NULL when the text is valid
 * already, as almost every reply is.  Invalid bytes can only be inside
 * strings, so JSON text stays JSON.
 */
char *
proto_utf8_repair(const void *buf, size_t len, size_t extra, size_t *outlen)
{
	const uint8_t	*s = buf;
	char		*out, *o;
	size_t		 i, need = 0, bad = 0;
	int		 n;

	for (i = 0; i < len; i += n > 0 ? (size_t)n : (size_t)-n) {
		if ((n = utf8_seq(s + i, len - i)) == 0)
			n = -(int)(len - i);
		need += n > 0 ? (size_t)n : 3;
		bad += n < 0;
	}
	if (bad == 0)
		return NULL;
	out = o = xmalloc(need + extra);
	for (i = 0; i < len; i += n > 0 ? (size_t)n : (size_t)-n) {
		if ((n = utf8_seq(s + i, len - i)) == 0)
			n = -(int)(len - i);
		if (n > 0) {
			memcpy(o, s + i, (size_t)n);
			o += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	*outlen = need;
	return out;
}

size_t
proto_utf8_whole(const void *buf, size_t len)
{
	const uint8_t	*s = buf;
	size_t		 start;

	/* Only the last three bytes can begin an unfinished sequence. */
	for (start = len > 3 ? len - 3 : 0; start < len; start++) {
		if (s[start] >= 0xc2 && s[start] <= 0xf4 &&
		    utf8_seq(s + start, len - start) == 0)
			return start;
	}
	return len;
}

size_t
proto_utf8_partial_head(const void *buf, size_t len)
{
	const uint8_t	*s = buf;
	size_t		 n = 0;

	while (n < len && n < 3 && (s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

/* Make room for n more bytes, moving the data down first when it helps. */
static void
buf_reserve(struct proto_buf *b, size_t n)
{
	size_t	used = b->len - b->off, size;

	if (b->off > 0 && (b->size - b->len < n || b->off == b->len)) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
	}
	if (b->size - b->len >= n)
		return;
	size = b->size == 0 ? 4096 : b->size;
	while (size - b->len < n) {
		if (size > SIZE_MAX / 2)
			size = b->len + n;
		else
			size *= 2;
	}
	b->data = xrealloc(b->data, size);
	b->size = size;
}

char *
proto_buf_reserve(struct proto_buf *b, size_t n)
{
	buf_reserve(b, n);
	return b->data + b->len;
}

/*
 * The same, the whole pages of that room made present at once: one call
 * instead of a page fault per 4 KiB of a large response.  Failure (a
 * kernel older than 5.14) leaves the faults to come.
 */
char *
proto_buf_reserve_present(struct proto_buf *b, size_t n)
{
	uintptr_t	 page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
	char		*p = proto_buf_reserve(b, n);

	lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	hi = ((uintptr_t)p + n) & ~(page - 1);
#ifdef MADV_POPULATE_WRITE
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#endif
	return p;
}

void
proto_buf_add(struct proto_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

size_t
proto_buf_used(const struct proto_buf *b)
{
	return b->len - b->off;
}

void
proto_buf_consume(struct proto_buf *b, size_t n)
{
	if (n > b->len - b->off)
		n = b->len - b->off;
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void
proto_buf_release(struct proto_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/*
 * Read into the room there is, making at least 4 KiB: a client sending
 * short requests keeps a small buffer, and thousands of them do not
 * scatter 64 KiB blocks over the heap (the daemon's memory stays flat).
 */
ssize_t
proto_buf_read(struct proto_buf *b, int fd, size_t max)
{
	size_t	used = proto_buf_used(b), room;
	ssize_t	n;

	if (used >= max) {
		errno = ENOBUFS;
		return -1;
	}
	room = max - used;
	buf_reserve(b, room < 4096 ? room : 4096);
	if (room > b->size - b->len)
		room = b->size - b->len;
	n = read(fd, b->data + b->len, room);
	if (n > 0)
		b->len += n;
	return n;
}

ssize_t
proto_buf_send(struct proto_buf *b, int fd)
{
	ssize_t	n, total = 0;

	while (proto_buf_used(b) > 0) {
		n = send(fd, b->data + b->off, proto_buf_used(b),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && total > 0)
				break;
			return -1;
		}
		proto_buf_consume(b, n);
		total += n;
	}
	return total;
}

char *
proto_buf_line(struct proto_buf *b, size_t *len)
{
	char	*line, *nl;
	size_t	 n;

	if (b->off == b->len)
		return NULL;
	line = b->data + b->off;
	if ((nl = memchr(line, '\n', b->len - b->off)) == NULL)
		return NULL;
	n = nl - line;
	*nl = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	b->off += nl - line + 1;
	*len = n;
	return line;
}
