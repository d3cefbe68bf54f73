"""The lab: what makes and measures a checkpoint, outside the runtime. toyworld/ is the synthetic
audio-visual world with exact ground truth (clips, prompts, the analytic evaluator, contact
sheets); training/ trains the codec and the branches on it and does network surgery. The lab
imports the runtime (pipeline/); pipeline/ and services/ never import the lab."""
