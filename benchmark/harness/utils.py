"""Functions the YAML tasks beside this file reach through ``!function utils.NAME``.

lm-eval calls the loaders as ``custom_dataset(**metadata, **dataset_kwargs)``. ``metadata`` holds
the task YAML's ``metadata`` block merged with the run's metadata, which both the ``lm_eval`` CLI
and ``benchmark.harness.runner`` fill with the model arguments (``pretrained=...``). The
perplexity loaders use that to count tokens with the evaluated model's own tokenizer, exactly as
``HFLM`` does, so the reported perplexity is per token of that model.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.objectives import IGNORE, SpecialIds, span_corrupt
from benchmark.special_tokens import EOS, N_SENTINELS, SENTINELS

_PIECE = re.compile(r"\s*\S+")  # a word with the whitespace before it; pieces concatenate to the text


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL file, one per non-empty line."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _dataset_dict(splits: dict[str, list[dict[str, Any]]]) -> Any:
    import datasets

    return datasets.DatasetDict({name: datasets.Dataset.from_list(rows) for name, rows in splits.items()})


# ---------------------------------------------------------------------------------------------
# k-shot tasks: one JSONL per split


TASK_FIELDS = ("id", "family", "subset", "prompt", "choices", "gold", "answer")


def load_jsonl_splits(data_files: dict[str, str], **_: Any) -> Any:
    """``custom_dataset`` for the task families: ``{split: path}`` -> a ``DatasetDict``.

    Only ``TASK_FIELDS`` are kept; generators may add their own fields (hops, passages ids).
    """
    splits = {split: read_jsonl(path) for split, path in data_files.items()}
    return _dataset_dict(
        {split: [{k: r[k] for k in TASK_FIELDS} for r in rows] for split, rows in splits.items()}
    )


def process_choices(doc: dict[str, Any], results: Sequence[tuple[float, bool]]) -> dict[str, float]:
    """Accuracy by log-likelihood over ``doc["choices"]`` and the gold choice's log-likelihood."""
    lls = [float(r[0]) for r in results]
    gold = int(doc["gold"])
    return {"acc": float(int(np.argmax(lls)) == gold), "gold_loglik": lls[gold]}


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation and collapse whitespace (SQuAD-style, articles kept)."""
    text = text.lower().translate(str.maketrans("", "", string.punctuation))
    return " ".join(text.split())


def process_generation(doc: dict[str, Any], results: Sequence[str]) -> dict[str, float]:
    """Exact match of the greedy generation (cut at the first newline) with ``doc["answer"]``."""
    prediction = results[0].split("\n", 1)[0]
    return {"exact_match": float(normalize_answer(prediction) == normalize_answer(doc["answer"]))}


# ---------------------------------------------------------------------------------------------
# perplexity tasks on held-out pre-training text


@lru_cache(maxsize=4)
def _load_tokenizer(name: str, revision: str | None, trust_remote_code: bool, use_fast: bool) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(
        name, revision=revision, trust_remote_code=trust_remote_code, use_fast=use_fast
    )


def model_tokenizer(metadata: dict[str, Any]) -> tuple[Any, dict[str, bool]]:
    """The tokenizer ``HFLM`` builds from the same model arguments, and its ``encode`` kwargs."""
    name = metadata.get("tokenizer") or metadata.get("pretrained")
    if not isinstance(name, str):
        raise ValueError(
            "the perplexity tasks count tokens with the model's tokenizer: pass the model as "
            "--model_args pretrained=PATH (or --metadata '{\"tokenizer\": PATH}')"
        )
    tok = _load_tokenizer(
        name,
        metadata.get("revision"),
        _as_bool(metadata.get("trust_remote_code", False)),
        _as_bool(metadata.get("use_fast_tokenizer", True)),
    )
    add_bos = metadata.get("add_bos_token")  # HFLM: None leaves the tokenizer's own default
    return tok, ({} if add_bos is None else {"add_special_tokens": _as_bool(add_bos)})


def _as_bool(value: Any) -> bool:
    return value.lower() in ("true", "1") if isinstance(value, str) else bool(value)


def load_heldout_clm(data_files: dict[str, str], **metadata: Any) -> Any:
    """``custom_dataset`` for ``ppl_clm``: held-out documents with their token, word and byte counts.

    Token counts are ``len(tokenizer.encode(text))``, the tokens ``HFLM.loglikelihood_rolling``
    scores; word and byte counts follow lm-eval's own ``word_perplexity`` and ``byte_perplexity``.
    """
    tok, kwargs = model_tokenizer(metadata)
    rows = []
    for i, record in enumerate(read_jsonl(data_files["test"])):
        text = record["text"]
        rows.append({
            "id": str(record.get("id", i)),
            "text": text,
            "n_tokens": len(tok.encode(text, **kwargs)),
            "n_words": len(re.split(r"\s+", text)),
            "n_bytes": len(text.encode("utf-8")),
        })  # fmt: skip
    return _dataset_dict({"test": rows})


def process_rolling(doc: dict[str, Any], results: Sequence[float]) -> dict[str, tuple[float, int]]:
    """(log-likelihood, count) pairs for lm-eval's ``weighted_perplexity``/``bits_per_byte``."""
    ll = float(results[0])
    return {
        "token_perplexity": (ll, doc["n_tokens"]),
        "word_perplexity": (ll, doc["n_words"]),
        "byte_perplexity": (ll, doc["n_bytes"]),
        "bits_per_byte": (ll, doc["n_bytes"]),
    }


def text_windows(text: str, words: int) -> list[list[str]]:
    """Split ``text`` into consecutive windows of ``words`` pieces (a word and the space before it)."""
    pieces = _PIECE.findall(text.strip())
    windows = [pieces[i : i + words] for i in range(0, len(pieces), words)]
    return [[w[0].lstrip(), *w[1:]] for w in windows if w]


def span_corruption_request(
    pieces: Sequence[str],
    rng: np.random.Generator,
    density: float = 0.15,
    mean_span: float = 3.0,
    eos: str = EOS,
) -> tuple[str, str] | None:
    """``(context, continuation)`` of one PPL-SC request over text ``pieces``; None if too short.

    The spans are chosen by ``benchmark.objectives.span_corrupt`` itself, run on piece indices
    (words instead of token ids), and rendered back to text. The split mirrors the SC training
    loss: the context is the corrupted text plus the first target sentinel (which carries no loss
    in training), the continuation is the rest of the targets and the end-of-sequence marker.
    A sentinel replaces a span together with the whitespace before it, as token-level corruption
    of a byte-level BPE does (the space belongs to the next word's token).

    >>> rng = np.random.default_rng(0)
    >>> span_corruption_request(["a", " b", " c", " d", " e", " f", " g", " h"], rng, 0.25, 2.0)
    ('a b c d e f<extra_id_0><extra_id_0>', ' g h</s>')
    """
    n = len(pieces)
    if n < 2:
        return None
    sentinels = tuple(range(n + 2, n + 2 + N_SENTINELS))
    special = SpecialIds(pad=n, eos=n + 1, sentinels=sentinels, nlu=-1, nlg=-2, s2s=-3)
    seq_len = n + 2 * N_SENTINELS + 1  # room for every rendering of n pieces; the tail is padding
    example = span_corrupt(np.arange(n), rng, special, seq_len, density, mean_span)
    length = int(example.attention_mask.sum())
    ids = example.input_ids[:length].tolist()
    loss = (example.labels[:length] != IGNORE).tolist()
    if True not in loss:
        return None
    first = loss.index(True)

    def render(tokens: list[int]) -> str:
        return "".join(
            pieces[t] if t < n else eos if t == special.eos else SENTINELS[t - n - 2] for t in tokens
        )

    return render(ids[:first]), render(ids[first:])


def load_heldout_sc(
    data_files: dict[str, str],
    sc_density: float = 0.15,
    sc_mean_span: float = 3.0,
    sc_seed: int = 1234,
    sc_window_words: int = 48,
    **metadata: Any,
) -> Any:
    """``custom_dataset`` for ``ppl_sc``: one span-corruption request per window of held-out text.

    Window ``j`` of document ``i`` is corrupted with ``numpy.random.default_rng([seed, i, j])``.
    ``n_tokens`` counts the continuation's tokens as ``HFLM`` splits them (the tokens of
    ``context + continuation`` after those of ``context``).
    """
    tok, kwargs = model_tokenizer(metadata)
    eos = tok.eos_token or EOS
    rows = []
    for i, record in enumerate(read_jsonl(data_files["test"])):
        for j, pieces in enumerate(text_windows(record["text"], int(sc_window_words))):
            rng = np.random.default_rng([int(sc_seed), i, j])
            request = span_corruption_request(pieces, rng, float(sc_density), float(sc_mean_span), eos)
            if request is None:
                continue
            context, continuation = request
            n_tokens = len(tok.encode(context + continuation, **kwargs)) - len(tok.encode(context, **kwargs))
            rows.append({
                "id": f"{record.get('id', i)}/{j}",
                "context": context,
                "continuation": continuation,
                "n_tokens": n_tokens,
                "n_bytes": len(continuation.encode("utf-8")),
            })  # fmt: skip
    return _dataset_dict({"test": rows})


def process_span_corruption(
    doc: dict[str, Any], results: Sequence[tuple[float, bool]]
) -> dict[str, tuple[float, int]]:
    """(log-likelihood of the targets, count) pairs for ``weighted_perplexity``."""
    ll = float(results[0][0])
    return {"token_perplexity": (ll, doc["n_tokens"]), "byte_perplexity": (ll, doc["n_bytes"])}


def perplexity(total_loglik: float, count: int) -> float:
    """``exp(-total / count)``, lm-eval's ``weighted_perplexity``."""
    return math.exp(-total_loglik / count)
