/*
 * GET / and its script and styles: the page compiled into the daemon
 * (supervisord/web/page/, turned into C data by embed.sh at build time),
 * one row of the table below a file.
 */
#include <string.h>

#include "web.h"

/* embed.sh's output (build/gen/web_assets.c). */
extern const unsigned char web_index_html[], web_app_js[], web_style_css[];
extern const size_t web_index_html_len, web_app_js_len, web_style_css_len;

static const struct {
	const char		*path;
	const char		*type;
	const unsigned char	*data;
	const size_t		*len;
} files[] = {
	{ "/", "text/html; charset=utf-8", web_index_html,
	    &web_index_html_len },
	{ "/static/app.js", "text/javascript; charset=utf-8", web_app_js,
	    &web_app_js_len },
	{ "/static/style.css", "text/css; charset=utf-8", web_style_css,
	    &web_style_css_len },
};

enum MHD_Result
page_serve(struct http_req *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;
	size_t			 i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(r->url, files[i].path) != 0)
			continue;
		resp = sym_MHD_create_response_from_buffer(*files[i].len,
		    (void *)files[i].data, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    files[i].type);
		web_headers(resp);
		rc = sym_MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
		sym_MHD_destroy_response(resp);
		return rc;
	}
	return http_reply_text(r->conn, MHD_HTTP_NOT_FOUND, "not found");
}
