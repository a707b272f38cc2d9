/* stub: to be written */
#include <errno.h>

#include "daemon/specgen.h"

int specgen_validate(json_t *request, BerthError **err)
{
        return 0;
}

int specgen_merge_config(json_t *request, json_t *image_config, json_t **ret_config,
                         BerthError **err)
{
        return error_set(err, ENOSYS, "specgen: not implemented");
}

int specgen_build(const SpecgenInput *in, json_t **ret_spec, BerthError **err)
{
        return error_set(err, ENOSYS, "specgen: not implemented");
}

int specgen_write_etc_files(const SpecgenInput *in, BerthError **err)
{
        return error_set(err, ENOSYS, "specgen: not implemented");
}
