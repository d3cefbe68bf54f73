"""The model library: torch, numpy and PyAV only; never imports ray or grpc."""
