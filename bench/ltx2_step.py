"""LTX-2 on one device: one denoising step of its transformer and its VAE decode, at the
published configuration (diffusers' defaults: 48 layers, 4096 video / 2048 audio width), random
weights in bf16, nothing downloaded.

    python -m bench.ltx2_step                     # CPU: FLOPs of the published model counted on
                                                  # the meta device, and a timed step at a
                                                  # reduced width that proves the path works
    python -m bench.ltx2_step --device cuda       # a lent GPU: the published model, timed, MFU

FLOPs are counted by torch's FlopCounterMode on the real forward (matmuls and attention), so
the paper estimate and the measured step read the same model. MFU is against the device's dense
bf16 peak (--peak-tflops; H200 989). Results: bench/results/ltx2_step-<device>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from bench.common import RESULTS_DIR

# (name, width, height, frames) at 24 fps: the two sizes
SIZES = (("768x512x121", 768, 512, 121), ("1920x1088x121", 1920, 1088, 121))
CPU_SIZE = ("256x256x25", 256, 256, 25)
REDUCED = {  # the CPU run: the published block structure at a fraction of the width and depth
    "num_layers": 2,
    "num_attention_heads": 4,
    "attention_head_dim": 64,
    "cross_attention_dim": 256,
    "audio_num_attention_heads": 4,
    "audio_attention_head_dim": 32,
    "audio_cross_attention_dim": 128,
    "caption_channels": 256,
}
TEXT_TOKENS = 1024  # LTX2Pipeline's max_sequence_length
AUDIO_TOKENS_PER_S = 16000 / 160 / 4  # sample rate / mel hop / the audio VAE's stride


def transformer(config: dict, device: str):
    from diffusers import LTX2VideoTransformer3DModel

    with torch.device(device):
        return LTX2VideoTransformer3DModel(**config).to(torch.bfloat16).eval()


def step_inputs(model, width: int, height: int, frames: int, device: str) -> dict:
    cfg = model.config
    latent = ((frames - 1) // 8 + 1, height // 32, width // 32)
    tokens = latent[0] * latent[1] * latent[2]
    audio = round(frames / 24 * AUDIO_TOKENS_PER_S)

    def noise(*shape):
        return torch.randn(*shape, device=device, dtype=torch.bfloat16)

    t = torch.full((1,), 500.0, device=device)
    return {
        "hidden_states": noise(1, tokens, cfg.in_channels),
        "audio_hidden_states": noise(1, audio, cfg.audio_in_channels),
        "encoder_hidden_states": noise(1, TEXT_TOKENS, cfg.caption_channels),
        "audio_encoder_hidden_states": noise(1, TEXT_TOKENS, cfg.caption_channels),
        "encoder_attention_mask": torch.ones(1, TEXT_TOKENS, device=device),
        "audio_encoder_attention_mask": torch.ones(1, TEXT_TOKENS, device=device),
        "timestep": t,
        "sigma": t,
        "num_frames": latent[0],
        "height": latent[1],
        "width": latent[2],
        "fps": 24.0,
        "audio_num_frames": audio,
        "video_coords": model.rope.prepare_video_coords(1, *latent, device, fps=24.0),
        "audio_coords": model.audio_rope.prepare_audio_coords(1, audio, device),
        "return_dict": False,
    }


def count_flops(model, inputs: dict) -> int:
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(**inputs)
    return counter.get_total_flops()


def timed(fn, repeats: int, device: str) -> float:
    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    fn()
    sync()  # warm-up
    runs = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        sync()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="dense bf16 peak")
    args = parser.parse_args()
    rows = []
    published = transformer({}, "meta")
    params = sum(p.numel() for p in published.parameters())
    for name, width, height, frames in SIZES:  # the paper figure: counted, not run
        flops = count_flops(published, step_inputs(published, width, height, frames, "meta"))
        rows.append({"model": "published", "size": name, "params": params, "tflop": flops / 1e12})
    if args.device == "cuda":
        model, sizes = transformer({}, "cuda"), SIZES
    else:
        model, sizes = transformer(REDUCED, "cpu"), (CPU_SIZE,)
    for name, width, height, frames in sizes:
        inputs = step_inputs(model, width, height, frames, args.device)
        flops = count_flops(model, inputs)
        with torch.inference_mode():
            seconds = timed(lambda i=inputs: model(**i), args.repeats, args.device)
        row = {
            "model": "published" if args.device == "cuda" else "reduced",
            "size": name,
            "params": sum(p.numel() for p in model.parameters()),
            "tflop": flops / 1e12,
            "step_s": seconds,
            "tflops": flops / seconds / 1e12,
        }
        if args.device == "cuda":
            row["mfu"] = row["tflops"] / args.peak_tflops
        rows.append(row)
    if args.device == "cuda":  # the published video VAE's decode of the smaller clip
        from diffusers import AutoencoderKLLTX2Video

        del model
        with torch.device("cuda"):
            vae = AutoencoderKLLTX2Video().to(torch.bfloat16).eval()
        latents = torch.randn(1, 128, 16, 16, 24, device="cuda", dtype=torch.bfloat16)
        with torch.inference_mode():
            seconds = timed(lambda: vae.decode(latents, None), args.repeats, "cuda")
        rows.append({"model": "video VAE decode", "size": SIZES[0][0], "step_s": seconds})
    for row in rows:
        cells = "  ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
        )
        print(cells)
    device = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    out = RESULTS_DIR / f"ltx2_step-{args.device}.json"
    out.write_text(json.dumps({"device": device, "rows": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
