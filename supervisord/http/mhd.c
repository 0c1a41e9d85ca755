/*
 * libmicrohttpd is opened with dlopen() when HTTP is first needed: at
 * start when [inet_http_server] is set, otherwise at the first HTTP
 * connection on the Unix socket.  Debian's build links it with GnuTLS
 * and six more libraries (p11-kit, nettle, gmp, ...) we never use (no
 * TLS here); linked at build time they cost every daemon about 1.3 MB
 * of memory and 4 ms of start-up, also the daemons that only ever speak
 * JSON to supctl.  Loading takes about 4 ms once, from the loop.
 */
#include <dlfcn.h>
#include <stdio.h>

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

int
mhd_load(char *cause, size_t causelen)
{
	const char	*err;
	size_t		 i;

	if (mhd_handle != NULL)
		return 0;
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
	log_debug("http: %s loaded", MHD_SONAME);
	return 0;
}
