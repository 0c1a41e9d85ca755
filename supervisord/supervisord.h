/*
 * supervisord's headers, one per folder (engine.h, output.h, reload.h,
 * host.h; control.h is the control socket's), all of them here for the
 * host and the unit tests.  A folder includes only the headers of what
 * it may call (supervisord/README.md).
 */
#ifndef SUPERVISORD_H
#define SUPERVISORD_H

#include "engine.h"
#include "output.h"
#include "reload.h"
#include "host.h"

#endif
