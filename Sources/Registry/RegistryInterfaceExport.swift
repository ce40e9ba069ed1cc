// Handles, errors, options and the other types the wire shares live in RegistryTypes, the API
// protocol in RegistryInterface; the registry's users see them as before.
@_exported import RegistryInterface
