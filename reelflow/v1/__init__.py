"""Generated gRPC/protobuf modules (from protos/ by `make protos`; never edit by hand)."""
