"""The Ray Serve host: app.py builds the application (stage deployments behind the
Orchestrator), server.py starts and stops Serve, orchestrator.py is the ingress."""
