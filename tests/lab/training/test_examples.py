"""Training examples are conditioned on the grammar's train phrasing of their clip."""

import numpy as np
import torch

from reelflow.lab.toyworld.files import attachments
from reelflow.lab.toyworld.wording.prompts import prompt_text
from reelflow.lab.training.examples import ExampleMaker
from reelflow.pipeline.generation.stages import PromptEncoderStage, to_wire
from reelflow.pipeline.script.parser import parse


def test_an_example_reads_the_train_phrasing_not_the_template(tiny):
    encoder = PromptEncoderStage(tiny, None)
    maker = ExampleMaker(tiny, encoder, fps=8)
    key = next(  # a clip the two phrasings word differently, so the test tells them apart
        k
        for k in range(100)
        if prompt_text(spec := maker.spec(np.random.default_rng([0, k])), "train")
        != prompt_text(spec)
    )
    spec = maker.spec(np.random.default_rng([0, key]))
    assert maker.prompt(spec) == prompt_text(spec, "train")
    example = maker.make(np.random.default_rng([0, key]))
    plan = parse(
        maker.prompt(spec), duration_s=spec.duration_s, fps=8, references=attachments(spec)
    )
    expected = encoder.text(tuple(shot.text for shot in plan.shots)).pooled
    assert torch.equal(example.cond.text_pooled, to_wire(expected))
