"""Random-init micro models of the causal-LM architectures the harness must run, each with its own
small tokenizer, and a data folder whose few-shot prompts are longer than their 128-token context.

Imported by test modules (``from arch_models import ...``); everything is built offline in seconds.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

MAX_CONTEXT = 128  # every architecture's position limit (BLOOM, ALiBi: its tokenizer's model_max_length)
ARCHITECTURES = ("gpt2", "opt", "gpt_neox", "llama", "qwen2", "bloom", "gpt_neo")
WORDS = ("red blue green white cup ball kettle river town stone paper glass light heavy floats sinks "
         "Ada Lee works lives near the old bridge in at of and a is was born").split()  # fmt: skip
COLOURS = ["red", "blue", "green", "white", "dark red", "pale sea green and white"]


def _sentence(rng: np.random.Generator, n: int) -> str:
    return " ".join(WORDS[int(i)] for i in rng.integers(len(WORDS), size=n)).capitalize() + "."


def heldout_texts(n: int = 24, seed: int = 0) -> list[str]:
    """``n`` documents of 20-120 words: some longer than 128 tokens, so rolling windows are cut."""
    rng = np.random.default_rng(seed)
    return [" ".join(_sentence(rng, int(rng.integers(5, 12))) for _ in range(int(rng.integers(2, 12))))
            for _ in range(n)]  # fmt: skip


def records(task: str, subset: str, split: str, n: int) -> list[dict[str, Any]]:
    """Task records whose candidates differ in length (1 to ~8 tokens); RAG passages of 30-90 words
    make 5-shot prompts several times the context, CMS prompts short enough to fit or not."""
    rng = np.random.default_rng(zlib.crc32(f"{task}/{subset}/{split}".encode()))
    out = []
    for i in range(n):
        k = int(rng.integers(len(COLOURS)))
        if task == "cms":
            choices, gold = ["yes", "no"], int(rng.integers(2))
            prompt = f"{_sentence(rng, int(rng.integers(3, 40)))} Is the cup {COLOURS[k]}?"
        else:
            choices, gold = COLOURS, k
            passage = f"Passage: {_sentence(rng, int(rng.integers(30, 90)))} The cup is {COLOURS[k]}.\n"
            prompt = f"{passage if task == 'rag' else ''}Question: what colour is the cup?\nAnswer:"
        out.append({"id": f"{task}/{subset}/{split}/{i}", "task": task, "subset": subset,
                    "prompt": prompt, "choices": choices, "gold": gold, "answer": choices[gold]})  # fmt: skip
    return out


def write_long_data(data: Path) -> Path:
    """A harness data folder (``benchmark.harness.evaluator``) of ``heldout_texts`` and ``records``."""
    data.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"id": f"heldout-{i}", "text": t}) for i, t in enumerate(heldout_texts())]
    (data / "heldout_text.jsonl").write_text("\n".join(lines) + "\n")
    for task, subset in (("cms", "boolq"), ("rag", "nq_open"), ("cbqa", "trivia_qa")):
        for split, n in {"train": 8, "dev": 3}.items():
            path = data / task / subset / f"{split}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(r) + "\n" for r in records(task, subset, split, n)))
    return data


def arch_tokenizer(arch: str, vocab_size: int, context: int = MAX_CONTEXT) -> Any:
    """A byte-level BPE trained here on ``heldout_texts`` and the task words; Llama- and OPT-style
    ones put a BOS token before every encoding, as their Hub tokenizers do."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    specials = ["<s>", "</s>", "<pad>"]
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    corpus = heldout_texts(60, seed=1) + [" ".join(COLOURS) + " Passage: Question: Answer: yes no"] * 20
    bpe.train_from_iterator(corpus, trainer=trainer)
    bos = arch in ("llama", "opt")
    if bos:
        bpe.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", bpe.token_to_id("<s>"))]
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        model_max_length=context, clean_up_tokenization_spaces=False,
    )  # fmt: skip


def arch_config(arch: str, vocab_size: int, context: int = MAX_CONTEXT) -> Any:
    """A 2-layer, 32-wide config of ``arch`` with a ``context``-token context (default 128)."""
    import transformers as tf

    ids = {"vocab_size": vocab_size, "bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 2}
    llama_like = {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "intermediate_size": 64,
        "max_position_embeddings": context,
    }
    configs = {
        "gpt2": lambda: tf.GPT2Config(n_positions=context, n_embd=32, n_layer=2, n_head=2, **ids),
        "opt": lambda: tf.OPTConfig(max_position_embeddings=context, hidden_size=32, num_hidden_layers=2,
                                    ffn_dim=64, num_attention_heads=2, word_embed_proj_dim=32, **ids),
        "gpt_neox": lambda: tf.GPTNeoXConfig(max_position_embeddings=context, hidden_size=32,
                                             num_hidden_layers=2, num_attention_heads=2,
                                             intermediate_size=64, **ids),
        "llama": lambda: tf.LlamaConfig(**llama_like, **ids),
        "qwen2": lambda: tf.Qwen2Config(**llama_like, **ids),
        "bloom": lambda: tf.BloomConfig(hidden_size=32, n_layer=2, n_head=2, **ids),
        # local attention with a window shorter than the prompts: layer 2 sees 16 tokens back
        "gpt_neo": lambda: tf.GPTNeoConfig(max_position_embeddings=context, hidden_size=32, num_layers=2,
                                           num_heads=2, attention_types=[[["global", "local"], 1]],
                                           window_size=16, intermediate_size=64, **ids),
    }  # fmt: skip
    return configs[arch]()


def save_arch(arch: str, path: Path, seed: int = 0, context: int = MAX_CONTEXT) -> Path:
    """A random-init ``arch`` model (torch seed ``seed``, ``context`` positions) and its tokenizer,
    saved to ``path``."""
    import torch
    from transformers import AutoModelForCausalLM

    vocab_size = 320 + 16 * ARCHITECTURES.index(arch)  # a tokenizer of its own per architecture
    tok = arch_tokenizer(arch, vocab_size, context)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(arch_config(arch, len(tok), context))
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path
