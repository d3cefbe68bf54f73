"""The networks and what they need: layers, the three branches, latent codecs, the text
encoder, sampling functions, presets and weights."""
