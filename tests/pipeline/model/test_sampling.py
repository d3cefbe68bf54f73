import itertools

import pytest
import torch

from reelflow.pipeline.model.sampling import (
    euler_step,
    guide,
    guided_velocity,
    interpolate,
    merge,
    seeded_noise,
    timesteps,
)


def integrate(x, velocity, steps, shift=1.0):
    times = timesteps(steps, shift)
    for t, t_next in itertools.pairwise(times):
        x = euler_step(x, velocity(x, t), t, t_next)
    return x


def test_timesteps_run_from_noise_to_data_and_shift_spends_more_at_high_noise():
    plain, shifted = timesteps(10), timesteps(10, shift=3.0)
    assert plain[0] == shifted[0] == 1.0 and plain[-1] == shifted[-1] == 0.0
    assert all(a > b for a, b in itertools.pairwise(plain))
    assert all(s >= p for s, p in zip(shifted, plain, strict=True))
    assert shifted[5] > plain[5]
    with pytest.raises(ValueError):
        timesteps(0)


def test_one_euler_step_on_a_straight_path_is_exact():
    x0, noise = torch.randn(5), torch.randn(5)
    # the rectified-flow target velocity is constant along the path
    out = integrate(interpolate(x0, noise, 1.0), lambda x, t: noise - x0, steps=1)
    assert torch.allclose(out, x0, atol=1e-6)


def test_the_exact_velocity_field_of_a_point_mass_reaches_it_in_any_step_count():
    x0 = torch.tensor([2.0, -1.0, 0.5])

    def velocity(x, t):  # v(x, t) = (x - x0) / t points straight at x0
        return (x - x0) / t

    for steps in (1, 3, 17):
        assert torch.allclose(integrate(torch.randn(3), velocity, steps, shift=2.0), x0, atol=1e-5)


def test_euler_on_a_linear_field_matches_the_closed_form():
    # dx/dt = a x, integrated from t=1 to 0 with N Euler steps: x1 * (1 - a/N)^N
    a, steps, x1 = 0.7, 8, torch.tensor([3.0])
    expected = x1 * (1 - a / steps) ** steps
    assert torch.allclose(integrate(x1, lambda x, t: a * x, steps), expected, atol=1e-6)


def test_guidance_and_merge():
    vc, vu = torch.tensor([2.0]), torch.tensor([1.0])
    assert guide(vc, vu, 1.0) == vc
    assert guide(vc, vu, 3.0) == torch.tensor([4.0])
    assert merge(vc, vu, 0.0) == vc and merge(vc, vu, 1.0) == vu


def test_guided_velocity_batches_both_halves_into_one_forward():
    calls = []

    def model(x, c):
        calls.append(x.shape[0])
        return x * c

    x, c, u = torch.ones(2, 3), torch.full((2, 1), 2.0), torch.full((2, 1), 0.5)
    out = guided_velocity(model, 3.0, {"x": x}, {"c": c}, {"c": u})
    assert calls == [4]
    assert torch.allclose(out, guide(x * c, x * u, 3.0))
    assert torch.equal(guided_velocity(model, 1.0, {"x": x}, {"c": c}, {"c": u}), x * c)


def test_seeded_noise_depends_only_on_seed_and_stream():
    torch.manual_seed(123)
    a = seeded_noise((4,), 7, 0)
    torch.manual_seed(999)
    assert torch.equal(a, seeded_noise((4,), 7, 0))
    assert not torch.equal(a, seeded_noise((4,), 7, 1))
    assert not torch.equal(a, seeded_noise((4,), 8, 0))
