"""Serving: Ray Serve deployments, the public API adapters, jobs and the client."""
