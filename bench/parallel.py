"""Family: one job on several devices (issue 15).

Measured here: one embedded job's latency and each branch's per-step time at degree 1 and at
degree 2 (Ulysses-2, then CFG-2), one intra-op thread per rank, interleaved runs so the ratio
of each pair cancels drift on this shared machine; medians of several.

On paper, from the model code: per-device memory (bf16 weights, replicated across ranks, plus
the peak of live activations of one rank's share, measured by running the networks on the meta
device at a rank's local shapes) and the all-to-all bytes each device sends per denoising step,
for the 1080p and 2K presets at 15 s, degrees 1/2/4/8 (Ulysses; 8 = the xDiT anchor's GPU
count), next to xDiT's published HunyuanVideo figure.
"""

from __future__ import annotations

import time

import torch

from bench.common import BenchConfig, Report, Stats, Table, ratio
from bench.flops import LiveBytes
from bench.presets_paper import SECONDS, TEXT_TOKENS
from bench.workload import request, run_embedded, step_inputs, tiny
from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.generation.stages import audio_network, spatial_network, temporal_network
from reelflow.pipeline.model.presets import Preset, get_preset
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.embedded import ParallelLocalStages

DEGREES = (1, 2, 4, 8)
BF16 = 2
NVLINK_BYTES_S = 450e9  # H100 SXM NVLink 4, per direction (datasheet: 900 GB/s bidirectional)
H100_BF16_DENSE = 989e12
ASSUMED_MFU = 0.4
XDIT = ("xDiT, HunyuanVideo 720p, 129 frames, 50 steps", 1904.0, 338.0)  # 1 vs 8 H100 (published)


# --- measured on this machine -------------------------------------------------------------


def _branch_calls(stages: LocalStages, inputs) -> dict:
    o, cond = inputs.prepared.options, inputs.cond
    return {
        "temporal (RayFlow) velocity": lambda: stages.temporal.velocity(
            inputs.xv, inputs.xa, 0.5, cond, inputs.keyframes, o.guidance
        ),
        "audio velocity": lambda: stages.audio.velocity(
            inputs.xa, inputs.xv, 0.5, cond, o.guidance
        ),
        "spatial (DiT) velocity": lambda: stages.spatial.velocity(inputs.xv, 0.5, cond, o.guidance),
    }


def _timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


WORKLOADS = (  # (label, duration s, side): the default request, and one where compute dominates
    ("2 s 64×64", None, None),
    ("4 s 128×128", 4.0, 128),
)


def measured(config: BenchConfig) -> tuple[Table, dict]:
    single = LocalStages(tiny(), None)
    work = []
    for label, duration, side in WORKLOADS:
        req = request(config.steps, duration_s=duration, side=side)
        work.append((label, req, step_inputs(single, req)))
    rows, data = [], {}
    for group_label, parallel in (
        ("ulysses 2", ParallelConfig(ulysses=2)),
        ("cfg 2", ParallelConfig(cfg=2)),
    ):
        group = ParallelLocalStages(tiny(), None, parallel)
        try:
            for label, req, inputs in work:
                pairs = {
                    "one job (embedded, end to end)": (
                        lambda req=req: run_embedded(single, req),
                        lambda req=req, group=group: run_embedded(group, req),
                    )
                }
                plain, split = _branch_calls(single, inputs), _branch_calls(group, inputs)
                pairs |= {name: (plain[name], split[name]) for name in plain}
                for name, (one, two) in pairs.items():
                    one(), two()  # warm-up
                    a, b = [], []
                    for _ in range(config.repeats):
                        a.append(_timed(one))
                        b.append(_timed(two))
                    speedup = ratio(a, b)
                    data[f"{group_label}, {label}: {name}"] = {
                        "degree1_s": Stats.of(a),
                        "degree2_s": Stats.of(b),
                        "speedup": speedup,
                    }
                    fmt = Stats.s if "job" in name else Stats.ms
                    rows.append(
                        (
                            group_label,
                            label,
                            name,
                            fmt(Stats.of(a)),
                            fmt(Stats.of(b)),
                            f"{speedup.median:.2f}×",
                        )
                    )
        finally:
            group.close()
    table = Table(
        "One job on 2 ranks vs 1, this machine (tiny preset, one thread per rank, gloo)",
        ("group", "clip", "what", "degree 1", "degree 2", "speed-up (median of pairs)"),
        tuple(rows),
        (
            f"{config.steps}-step requests, {config.repeats} interleaved pairs; job latency in s,"
            " branch calls (one guided step) in ms (median, min–max). Degree 1 already runs the"
            " temporal and audio branches of a step concurrently on the 2 cores; at degree 2 "
            "they take turns, each on both cores. The machine is shared with a training run "
            "and another session: see the load average in the JSON.",
        ),
    )
    return table, data


def _bytes(x: float) -> str:
    return f"{x / 2**30:,.1f} GiB" if x >= 2**30 else f"{x / 2**20:,.1f} MiB"


# --- on paper -----------------------------------------------------------------------------


def _local_inputs(preset: Preset, ulysses: int, cfg: int) -> dict[str, dict[str, torch.Tensor]]:
    """One rank's share of one guided forward (CFG batch 2): the batch split by cfg, the
    sequence by ulysses (frames for RayFlow, audio tokens, latent rows of a frame for the DiT),
    rounded up as the padding does."""
    batch = 2 // cfg
    frames = round(SECONDS * preset.fps)
    samples = round(SECONDS * preset.sample_rate)
    audio_tokens = -(-samples // preset.audio_codec.hop) + 1
    c, p = preset.video_codec.channels, preset.video_codec.patch
    h, w = preset.height // p, preset.width // p
    bins, dt = preset.audio_codec.channels, preset.spatial.text_dim
    f_local, a_local = -(-frames // ulysses), -(-audio_tokens // ulysses)
    patch = preset.spatial.patch
    rows_local = -(-(h // patch) // ulysses) * patch  # a frame's token rows, split
    video = torch.empty(batch, f_local, c, h, w)
    t = torch.empty(batch)
    return {
        "temporal": {
            "x": video,
            "keyframes": video,
            "audio": torch.empty(batch, audio_tokens, bins),  # every rank embeds all audio
            "audio_to_frame": torch.empty(f_local, audio_tokens),
            "t": t,
            "text": torch.empty(batch, f_local, TEXT_TOKENS, dt),
            "text_mask": torch.empty(batch, f_local, TEXT_TOKENS, dtype=torch.bool),
            "pooled": torch.empty(batch, f_local, dt),
        },
        "audio": {
            "x": torch.empty(batch, a_local, bins),
            "video": torch.empty(batch, min(frames, f_local + 1), c, h, w),  # frames it plays under
            "frame_of_token": (torch.arange(a_local) * f_local // a_local).long(),
            "t": t,
            "text": torch.empty(batch, TEXT_TOKENS, dt),
            "text_mask": torch.empty(batch, TEXT_TOKENS, dtype=torch.bool),
            "pooled": torch.empty(batch, a_local, dt),
        },
        "spatial": {
            "x": torch.empty(batch * frames, c, rows_local, w),
            "t": torch.empty(batch * frames),
            "text": torch.empty(batch * frames, TEXT_TOKENS, dt),
            "text_mask": torch.empty(batch * frames, TEXT_TOKENS, dtype=torch.bool),
            "pooled": torch.empty(batch * frames, dt),
        },
    }


def _tokens(preset: Preset) -> dict[str, int]:
    """Tokens of one guided forward (both CFG halves) whose attention spans a split sequence."""
    frames = round(SECONDS * preset.fps)
    audio_tokens = -(-round(SECONDS * preset.sample_rate) // preset.audio_codec.hop) + 1
    h = preset.height // preset.video_codec.patch
    w = preset.width // preset.video_codec.patch
    per_frame = (h // preset.temporal.patch) * (w // preset.temporal.patch)
    return {
        "temporal": 2 * frames * per_frame,
        "audio": 2 * audio_tokens,
        "spatial": 2 * frames * per_frame,
    }


def alltoall_bytes(preset: Preset, branch: str, ulysses: int) -> float:
    """Bytes one device sends per forward: each Ulysses attention moves q, k, v (3 x its tokens
    x dim) out and the output (1 x) back, of which (U - 1) / U leaves the device; the final
    all-gather sends its output slice to U - 1 peers. bf16."""
    if ulysses == 1:
        return 0.0
    net = {"temporal": preset.temporal, "audio": preset.audio, "spatial": preset.spatial}[branch]
    local = _tokens(preset)[branch] / ulysses
    leave = (ulysses - 1) / ulysses
    attention = net.depth * 4 * local * net.dim * BF16 * leave
    out_dim = (
        preset.audio_codec.channels
        if branch == "audio"
        else preset.video_codec.channels * net.patch**2
    )
    return attention + local * out_dim * BF16 * (ulysses - 1)


def paper_rows() -> tuple[Table, dict]:
    from bench.presets_paper import paper as one_device  # FLOPs per step, for the time estimate

    rows, data = [], {}
    for name in ("1080p", "2k"):
        preset = get_preset(name)
        with torch.device("meta"):
            nets = {
                "temporal": temporal_network(preset),
                "audio": audio_network(preset),
                "spatial": spatial_network(preset),
            }
        flops = {b: f["flops_per_step"] for b, f in one_device(preset).items() if b in nets}
        for branch, net in nets.items():
            weights = sum(p.numel() for p in net.parameters()) * BF16
            for degree in DEGREES:
                with torch.device("meta"), torch.inference_mode():
                    kwargs = _local_inputs(preset, degree, 1)[branch]
                    with LiveBytes() as live:
                        net(**kwargs)
                activations = live.peak / 2  # the meta pass is fp32; bf16 is half
                sent = alltoall_bytes(preset, branch, degree)
                compute_s = flops[branch] / (degree * H100_BF16_DENSE * ASSUMED_MFU)
                comm_s = sent / NVLINK_BYTES_S
                one = flops[branch] / (H100_BF16_DENSE * ASSUMED_MFU)
                speedup = one / (compute_s + comm_s)
                key = f"{name} {branch} U{degree}"
                data[key] = {
                    "weights_bytes": weights,
                    "activation_bytes": activations,
                    "alltoall_bytes_per_step": sent,
                    "compute_s_per_step": compute_s,
                    "alltoall_s_per_step": comm_s,
                    "speedup_upper_bound": speedup,
                }
                rows.append(
                    (
                        f"{name} 15 s",
                        branch,
                        str(degree),
                        _bytes(weights + activations),
                        _bytes(activations),
                        _bytes(sent),
                        f"{compute_s:,.1f} s + {comm_s:,.2f} s",
                        f"{speedup:.2f}×",
                    )
                )
    xdit_name, one, eight = XDIT
    table = Table(
        "Ulysses on paper: per device, per denoising step (guided batch of 2), bf16, H100 NVLink",
        (
            "preset",
            "branch",
            "devices",
            "memory / device",
            "of which activations",
            "all-to-all sent / device",
            "compute + all-to-all time",
            "speed-up bound",
        ),
        tuple(rows),
        (
            "Memory: the bf16 weights (every rank holds all of them: Ulysses splits activations,"
            " not weights) plus the peak of live activations of one rank's share, from a meta-"
            "device forward at the local shapes (whole 15 s clip in one forward, as "
            "bench/presets_paper.py; flash attention assumed). All-to-all: q, k, v out and the "
            "attention output back for every attention whose sequence is split, plus the "
            "final all-gather. Time: FLOPs / (devices x 989 TFLOP/s x 40% MFU) plus bytes / "
            "450 GB/s, no overlap; the bound ignores load imbalance and kernel efficiency loss "
            f"at small shards. Anchor: {xdit_name}: {one:,.0f} s on 1 GPU, {eight:,.0f} s on "
            f"8 (Ulysses + ring), {one / eight:.2f}× (published, not measured here). "
            "CFG-parallel halves activations and compute at no all-to-all cost (one all-gather"
            " of the velocity per step). No GPU was lent to this task: the bf16 MFU anchor was"
            " not measured.",
        ),
    )
    return table, data


def run(config: BenchConfig) -> Report:
    measured_table, measured_data = measured(config)
    paper_table, paper_data = paper_rows()
    return Report(
        family="parallel",
        tables=(measured_table, paper_table),
        data={"measured": measured_data, "paper": paper_data, "xdit": XDIT},
    )


if __name__ == "__main__":
    import sys
    from dataclasses import replace

    from bench.common import machine, write_json

    quick = "--quick" in sys.argv
    cfg = BenchConfig.make(quick)
    if "--repeats" in sys.argv:  # more pairs than quick mode, fewer steps than the full one
        cfg = replace(cfg, repeats=int(sys.argv[sys.argv.index("--repeats") + 1]))
    info = machine()  # load average at the start; write_json adds the end's
    report = run(cfg)
    for table in report.tables:
        print(table.markdown())
    print(write_json(report, cfg, info))
