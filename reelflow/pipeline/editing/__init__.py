"""Editing a finished clip: retake a time span, extend it, remix it (SDEdit), and the preview
of the current x0 estimate while a job denoises. Everything here is latent-level math and plans;
the joint loop in generation/schedule.py applies it."""
