// Names, value types and FILETIME live in RegistryTypes (shared with the wire and its clients);
// HiveFormat's users see them as before.
@_exported import RegistryTypes
