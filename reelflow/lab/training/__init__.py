"""Training the codec and the three branches on world clips: examples, batches, trainers."""
