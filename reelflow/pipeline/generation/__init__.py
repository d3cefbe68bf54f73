"""Running the model: the joint schedule over any stage objects (the Stages protocol), the stage
objects, their windows, conditioning, loop state, replacement sampling, the x0 preview, the
embedded runner and the MP4 muxer. Never imports editing/: editing builds on this."""
