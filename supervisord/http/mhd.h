/*
 * libmicrohttpd, loaded when HTTP is first needed (mhd.c).  Callers use
 * sym_MHD_x() where they would call MHD_x(): the same function, reached
 * through a pointer that mhd_load() fills.
 */
#ifndef MHD_H
#define MHD_H

#include <stddef.h>

#include <microhttpd.h>

/* Every function of libmicrohttpd the daemon calls: one row each. */
#define MHD_SYMBOLS(X)					\
	X(MHD_add_connection)				\
	X(MHD_add_response_header)			\
	X(MHD_basic_auth_get_username_password)		\
	X(MHD_create_response_from_buffer)		\
	X(MHD_create_response_from_buffer_with_free_callback) \
	X(MHD_create_response_from_callback)		\
	X(MHD_destroy_response)				\
	X(MHD_free)					\
	X(MHD_get_connection_info)			\
	X(MHD_get_daemon_info)				\
	X(MHD_get_timeout)				\
	X(MHD_lookup_connection_value)			\
	X(MHD_queue_basic_auth_fail_response)		\
	X(MHD_queue_response)				\
	X(MHD_resume_connection)			\
	X(MHD_run)					\
	X(MHD_start_daemon)				\
	X(MHD_stop_daemon)				\
	X(MHD_suspend_connection)

#define MHD_SYMBOL_DECLARE(f)	extern __typeof__(f) *sym_##f;
MHD_SYMBOLS(MHD_SYMBOL_DECLARE)
#undef MHD_SYMBOL_DECLARE

/* Load the library once; -1 with the cause when it cannot be. */
int	 mhd_load(char *cause, size_t causelen);

#endif
