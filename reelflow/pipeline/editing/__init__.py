"""Editing a finished clip: retake a time span, extend it, remix it (SDEdit). Everything here is
latent-level math and plans built on generation/ (never the reverse); the joint loop in
generation/schedule.py applies them through generation/replacement.py's LatentEdit."""
