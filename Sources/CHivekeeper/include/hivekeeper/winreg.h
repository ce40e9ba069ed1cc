/* advapi32's registry functions (winreg.h) over hivekeeperd: docs/c-api.md. */
#ifndef HIVEKEEPER_WINREG_H
#define HIVEKEEPER_WINREG_H

#include "wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* HIVEKEEPER_WINREG_H */
