"""Where the public API runs, side by side: on Ray Serve (ray/: the application builder, the
server that starts it, the Orchestrator ingress) or in one process (embedded.py), each built by
assembly.build_api over its own stages."""
