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
