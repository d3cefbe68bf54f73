"""The job machinery, free of Ray: a durable store (SQLite + a video directory), a runner that
claims queued jobs and drives the generation schedule, API keys, and the transport-neutral
service that the Serve Orchestrator and the embedded grpc.aio server both expose."""
