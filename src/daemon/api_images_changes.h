/* The `changes` of POST /images/create?fromSrc= (docker import --change):
 * Dockerfile instructions applied to the new image's config. */
#pragma once

#include <jansson.h>

#include "common/error.h"

/* Parses instructions (each string may hold several lines) into a partial
 * image "config" object (Cmd, Entrypoint, Env, WorkingDir, User,
 * ExposedPorts, Volumes, Labels, StopSignal, OnBuild) as
 * img_store_import() takes it. Supported: CMD, ENTRYPOINT (JSON or shell
 * form), ENV (k=v... or "k v"), WORKDIR, USER, EXPOSE (port[/proto],
 * ranges), LABEL k=v..., VOLUME (JSON or words), STOPSIGNAL, ONBUILD.
 * Later instructions override earlier ones as in a Dockerfile. -EINVAL
 * with Docker's message for anything else. *ret is NULL when there are no
 * instructions. */
int api_images_parse_changes(char *const *changes, json_t **ret, BerthError **err);
