/* The system routes every client calls first: /_ping, /version, /info. */
#pragma once

#include <stdbool.h>

#include "daemon/api_router.h"

typedef struct ApiSystemInfo {
        const char *engine_id;
        const char *data_root;
        const char *storage_driver;
        bool debug;
} ApiSystemInfo;

/* info must outlive the router. */
int api_system_register(ApiRouter *r, const ApiSystemInfo *info);
/* "YYYY-MM-DDTHH:MM:SS.000000000+00:00" for the build, as Docker's BuildTime. */
const char *api_system_build_time(void);
