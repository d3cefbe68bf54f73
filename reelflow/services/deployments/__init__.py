"""One Ray Serve deployment per stage, the Orchestrator ingress, the app builder, the stage
wire and step batching."""
