"""The public API adapters: gRPC handlers, message conversions and the embedded server."""
