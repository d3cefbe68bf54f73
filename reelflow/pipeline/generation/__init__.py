"""Running the model: the joint schedule over any stage objects, the stage objects, their
windows, conditioning, loop state, the embedded runner and the MP4 muxer."""
