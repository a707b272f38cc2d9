/* stub: to be written */
#include "daemon/engine.h"
