"""The OpenAI-compatible Videos HTTP API (`/v1/videos`, `/v1/models`) over the job service:
one FastAPI app, served by Ray Serve's HTTP proxy and by the embedded server."""
