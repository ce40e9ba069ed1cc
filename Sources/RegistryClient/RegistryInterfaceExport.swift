// The registry's types and the API protocol come with the client: its users need no Registry.
@_exported import RegistryInterface
