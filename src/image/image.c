/* The image library: see the module headers in this folder. */
#include "berth-config.h"

const char *img_library_version(void);
const char *img_library_version(void)
{
        return BERTH_VERSION;
}
