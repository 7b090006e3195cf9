"""Micro fixtures shared by the harness and rank tests: a data folder and random micro Llamas.

Imported by test modules (``from micro_models import ...``); everything is built offline in a
temporary folder in seconds.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.produce.harness_data import prepare_heldout

COLOURS = ["red", "blue", "green", "white"]
SUBSETS = {"cms": ["boolq", "piqa"], "rag": ["nq_open"], "cbqa": ["trivia_qa"]}


def micro_records(task: str, subset: str, split: str, n: int) -> list[dict]:
    """``n`` task records of one subset: yes/no questions (cms) or a colour among four (rag, cbqa)."""
    rng = np.random.default_rng(zlib.crc32(f"{task}/{subset}/{split}".encode()))
    out = []
    for i in range(n):
        colour = COLOURS[int(rng.integers(4))]
        if task == "cms":
            choices, gold = ["yes", "no"], int(rng.integers(2))
            prompt = f"Is the cup {colour}?"
        else:
            choices, gold = COLOURS, COLOURS.index(colour)
            passage = f"Passage: the cup is {colour}.\n" if task == "rag" else ""
            prompt = f"{passage}Question: what colour is the cup?\nAnswer:"
        out.append({"id": f"{task}/{subset}/{split}/{i}", "task": task, "subset": subset,
                    "prompt": prompt, "choices": choices, "gold": gold, "answer": choices[gold]})  # fmt: skip
    return out


def write_micro_data(data: Path, n_words: int = 1200) -> Path:
    """A data folder: held-out micro-world text and 8/4/4 train/dev/test records per subset."""

    prepare_heldout(data, "micro", seed=0, n_words=n_words)
    for task, subsets in SUBSETS.items():
        for subset in subsets:
            for split, n in {"train": 8, "dev": 4, "test": 4}.items():
                path = data / task / subset / f"{split}.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                records = micro_records(task, subset, split, n)
                path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return data


def micro_tokenizer(data: Path, vocab_size: int = 400) -> Any:
    """A byte-level BPE trained on the folder's held-out text."""
    from benchmark.produce.tokenizer import train_tokenizer

    lines = (data / "heldout_text.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    return train_tokenizer(texts * 3, vocab_size=vocab_size)


def save_random_llama(path: Path, tok: Any, seed: int = 0, hidden_size: int = 32) -> Path:
    """A randomly initialised 2-layer Llama (seeded) saved with ``tok`` as a ``save_pretrained`` folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=hidden_size,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        intermediate_size=2 * hidden_size,
        max_position_embeddings=128,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path
