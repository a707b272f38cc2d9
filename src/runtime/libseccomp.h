/* libseccomp's <seccomp.h>, which src/runtime/seccomp.h shadows on the
 * include path of this directory: skip to the next one (the system's). */
#pragma once

#include_next <seccomp.h>
