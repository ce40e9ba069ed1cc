// advapi32's registry functions for C (CHivekeeper's winreg.h), over hivekeeperd through
// RegistryClient: each is `@c @implementation`, so the compiler checks it against the header.
import CHivekeeper
