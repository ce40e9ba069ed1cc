/* offreg.dll's offline registry functions (offreg.h) on hive files, in process: docs/c-api.md. */
#ifndef HIVEKEEPER_OFFREG_H
#define HIVEKEEPER_OFFREG_H

#include "wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* HIVEKEEPER_OFFREG_H */
