/*
 * libmicrohttpd is opened with dlopen() when HTTP is first needed: at
 * start when [inet_http_server] is set, otherwise at the first HTTP
 * connection on the Unix socket.  Debian's build links it with GnuTLS
 * and eight more libraries (p11-kit, nettle, gmp, ...) we never use (no
 * TLS here); linked at build time they cost every daemon about 1.8 MB
 * of memory and 4 ms of start-up, also the daemons that only ever speak
 * JSON to supctl.  Loading takes about 4 ms once, from the loop; what
 * GnuTLS's initialisation touched is then given back (release_object).
 */
#include <sys/mman.h>

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mhd.h"

#ifndef MHD_SONAME
#define MHD_SONAME	"libmicrohttpd.so.12"
#endif

#define MHD_SYMBOL_DEFINE(f)	__typeof__(f) *sym_##f;
MHD_SYMBOLS(MHD_SYMBOL_DEFINE)
#undef MHD_SYMBOL_DEFINE

/* Where each pointer goes, by name. */
static const struct mhd_symbol {
	const char	*name;
	void		**slot;
} mhd_symbols[] = {
#define MHD_SYMBOL_ROW(f)	{ #f, (void **)&sym_##f },
	MHD_SYMBOLS(MHD_SYMBOL_ROW)
#undef MHD_SYMBOL_ROW
};

static void	*mhd_handle;

static int
count_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(*(size_t *)data)++;
	return 0;
}

/*
 * GnuTLS and the libraries it brings are initialised by their
 * constructors at dlopen() (libmicrohttpd's own calls gnutls_global_init)
 * and never called again: we serve no TLS.  The pages of code and
 * constants those constructors touched, about 2 MB resident once nothing
 * else on the host maps them, are let go: they stay in the page cache,
 * and a page is faulted back if ever used.  Only the segments that are
 * never written (code, constants; not data, GOT or RELRO), rounded
 * inwards, so nothing of value is dropped.
 */
static int
release_object(struct dl_phdr_info *info, size_t size, void *data)
{
	size_t		*skip = data, page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t	 start, end;
	int		 i;

	if (*skip > 0) {		/* loaded before libmicrohttpd */
		(*skip)--;
		return 0;
	}
	if (info->dlpi_name == NULL || strstr(info->dlpi_name,
	    "libmicrohttpd") != NULL)
		return 0;		/* ours to call: kept */
	/* Backwards: the program headers read here lie in the first
	   segment, which a read after its release would fault back. */
	for (i = info->dlpi_phnum - 1; i >= 0; i--) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD ||
		    (info->dlpi_phdr[i].p_flags & PF_W) != 0)
			continue;
		start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
		end = start + info->dlpi_phdr[i].p_memsz;
		start = (start + page - 1) & ~(uintptr_t)(page - 1);
		end &= ~(uintptr_t)(page - 1);
		/* Refused (never on Linux for such a range), it costs
		   memory only: nothing to tell. */
		if (end > start)
			(void)madvise((void *)start, end - start,
			    MADV_DONTNEED);
	}
	return 0;
}

int
mhd_load(char *cause, size_t causelen)
{
	const char	*err;
	size_t		 i, before;

	if (mhd_handle != NULL)
		return 0;
	before = 0;
	dl_iterate_phdr(count_object, &before);
	if ((mhd_handle = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(cause, causelen, "cannot load %s: %s", MHD_SONAME,
		    dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(mhd_symbols) / sizeof(mhd_symbols[0]); i++) {
		dlerror();
		*mhd_symbols[i].slot = dlsym(mhd_handle, mhd_symbols[i].name);
		if ((err = dlerror()) != NULL || *mhd_symbols[i].slot == NULL) {
			snprintf(cause, causelen, "cannot load %s: %s",
			    MHD_SONAME, err != NULL ? err : "null symbol");
			dlclose(mhd_handle);
			mhd_handle = NULL;
			return -1;
		}
	}
	dl_iterate_phdr(release_object, &before);
	log_debug("http: %s loaded", MHD_SONAME);
	return 0;
}
