"""Edit jobs (retake, extend, remix) and previews in the job machinery: what the service checks
at submission, where the source's latents come from, and how a preview is stored."""
