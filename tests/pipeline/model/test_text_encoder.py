import pytest
import torch

from reelflow.pipeline.model.text_encoder import TextEncoder


@pytest.fixture(scope="module")
def encoder():
    return TextEncoder()


def test_per_token_embeddings_masks_and_unit_pooled(encoder):
    out = encoder.encode(["a red circle bouncing", "a wide shot of a field at night, rain"])
    assert out.tokens.shape[0] == 2 and out.tokens.shape[2] == 384
    assert out.mask.shape == out.tokens.shape[:2]
    assert out.mask[0].sum() < out.mask[1].sum()  # the shorter prompt is padded
    assert torch.allclose(out.pooled.norm(dim=-1), torch.ones(2), atol=1e-5)


def test_real_pretrained_semantics(encoder):
    # a pretrained sentence model puts paraphrases closer than unrelated sentences
    a, b, c = encoder.encode(
        ["a red ball bounces", "a crimson ball is bouncing", "distant thunder over the sea"]
    ).pooled
    assert a @ b > a @ c + 0.2


def test_deterministic_and_truncated(encoder):
    x = encoder.encode(["hello there"]).tokens
    assert torch.equal(x, encoder.encode(["hello there"]).tokens)
    long = encoder.encode(["word " * 500])
    assert long.tokens.shape[1] == encoder.max_tokens
