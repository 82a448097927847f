/* Allocation wrappers: exhaustion is a broken invariant, not an error to handle. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static void __attribute__((noreturn))
xnomem(void)
{
	fputs("out of memory\n", stderr);
	abort();
}

/* Returns size bytes, never NULL. */
void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		xnomem();
	return p;
}

/* Returns nmemb * size zeroed bytes, never NULL. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size)) == NULL)
		xnomem();
	return p;
}

/* Resizes ptr to nmemb * size bytes, checking the product for overflow. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if ((p = reallocarray(ptr, nmemb == 0 ? 1 : nmemb,
	    size == 0 ? 1 : size)) == NULL)
		xnomem();
	return p;
}

/* Returns a copy of s, never NULL. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		xnomem();
	return p;
}

/* Returns a copy of at most n bytes of s, never NULL. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		xnomem();
	return p;
}

/* Formats into a new string in *ret; returns its length. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	 n;

	if ((n = vasprintf(ret, fmt, ap)) == -1)
		xnomem();
	return n;
}

/* Formats into a new string in *ret; returns its length. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}
