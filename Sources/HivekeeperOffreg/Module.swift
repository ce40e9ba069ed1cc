// offreg.dll's functions for C (CHivekeeper's offreg.h), in process on hive files: each is
// `@c @implementation`, so the compiler checks it against the header.
import CHivekeeper
