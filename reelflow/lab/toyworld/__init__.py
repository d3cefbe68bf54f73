"""A synthetic audio-visual world with exact ground truth: clips, training, evaluation."""
