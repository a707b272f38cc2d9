/* stub: to be written */
#include "daemon/api_routes.h"

int api_containers_register(Engine *e, ApiRouter *r, BerthError **err)
{
        return 0;
}
