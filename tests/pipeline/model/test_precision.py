"""A network called in a compute dtype returns float32, rounded as that dtype rounds."""

import pytest
import torch

from reelflow.pipeline.model.precision import check_dtype, in_dtype


class Square(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(64, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


def test_bfloat16_rounds_and_float32_is_exact():
    torch.manual_seed(0)
    model, x = Square(), torch.randn(8, 64)
    exact = model(x)
    half = in_dtype(model, "bfloat16")(x=x)
    same = in_dtype(model, "float32")(x=x)
    assert half.dtype == same.dtype == torch.float32
    assert torch.equal(same, exact)
    error = (half - exact).abs().max() / exact.abs().max()
    assert 1e-4 < error < 2e-2  # bfloat16's 8-bit mantissa, not garbage


def test_an_unknown_dtype_is_refused():
    with pytest.raises(ValueError, match="compute dtype"):
        check_dtype("int4")


def test_the_muxer_decodes_in_the_compute_dtype_close_to_float32(tiny):
    from dataclasses import replace

    from reelflow.pipeline.generation.stages import MuxerStage

    latents = torch.randn(
        4, tiny.video_codec.channels, 16, 16, generator=torch.Generator().manual_seed(0)
    )
    frames = {}
    for dtype in ("float32", "bfloat16"):
        muxer = MuxerStage(replace(tiny, compute_dtype=dtype), None)
        with torch.inference_mode():
            frames[dtype] = muxer._decode(latents)
    assert frames["bfloat16"].dtype == torch.float32
    error = (frames["bfloat16"] - frames["float32"]).abs()
    # rounded, not another decode: under 1.3 of 255 grey levels on average (random weights;
    # the trained codec on rendered clips: 0.1 on average, 2 at most)
    assert 0 < error.mean() < 0.01
