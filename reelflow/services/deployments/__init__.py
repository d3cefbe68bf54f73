"""The stage deployments (one generic class, stage.py, configured per role by roles.py), the
Orchestrator ingress, the app builder, the stage wire and step batching."""
