/* CHivekeeper is the public headers; Swift implements their functions (`@c @implementation`,
 * checked against these declarations). SwiftPM wants one source file in a C target. */
#include "hivekeeper/winreg.h"
#include "hivekeeper/offreg.h"
