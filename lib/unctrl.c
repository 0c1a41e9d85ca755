/*
 * Control bytes escaped for a terminal (see unctrl.h): \x1b, not ESC.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unctrl.h"
#include "xmalloc.h"

bool
unctrl_byte(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

size_t
unctrl_buf(char *dst, size_t size, const char *src)
{
	static const char	hex[] = "0123456789abcdef";
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 n = 0, w;

	for (; *s != '\0'; s++) {
		w = unctrl_byte(*s) ? 4 : 1;
		if (n + w < size) {
			if (w == 1)
				dst[n] = (char)*s;
			else {
				dst[n] = '\\';
				dst[n + 1] = 'x';
				dst[n + 2] = hex[*s >> 4];
				dst[n + 3] = hex[*s & 0xf];
			}
		} else if (n < size)
			size = n + 1;	/* nothing more fits: stop writing */
		n += w;
	}
	if (size > 0)
		dst[n < size ? n : size - 1] = '\0';
	return n;
}

char *
unctrl_dup(const char *src)
{
	size_t	 n = unctrl_buf(NULL, 0, src);
	char	*out = xmalloc(n + 1);

	unctrl_buf(out, n + 1, src);
	return out;
}

void
unctrl_fputs(const char *s, FILE *f)
{
	const char	*p;
	char		 esc[5];

	while (*s != '\0') {
		for (p = s; *p != '\0' && !unctrl_byte((unsigned char)*p); p++)
			;
		fwrite(s, 1, (size_t)(p - s), f);
		if (*p == '\0')
			return;
		snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)*p);
		fputs(esc, f);
		s = p + 1;
	}
}

int
unctrl_printf(FILE *f, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;
	size_t	 len;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	len = (size_t)n;
	if (len > 0 && text[len - 1] == '\n') {
		text[len - 1] = '\0';
		unctrl_fputs(text, f);
		fputc('\n', f);
	} else
		unctrl_fputs(text, f);
	free(text);
	return n;
}
