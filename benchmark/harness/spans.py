"""T5 span corruption over token ids: the one definition that the SC pre-training objectives and the
PPL-SC proxy share, with the special ids it inserts (renderings: ``benchmark.produce.objectives``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from benchmark.core.errors import SftcastError
from benchmark.harness import special_tokens as st

IGNORE = -100
Ids = Sequence[int] | np.ndarray  # a window of token ids


class Example(NamedTuple):
    """One training sequence; three int64 arrays of the same fixed length."""

    input_ids: np.ndarray
    labels: np.ndarray
    attention_mask: np.ndarray


@dataclass(frozen=True)
class SpecialIds:
    """The token ids the objectives insert: padding, end of sequence, sentinels, UL2 modes."""

    pad: int
    eos: int
    sentinels: tuple[int, ...]
    nlu: int
    nlg: int
    s2s: int

    @classmethod
    def from_tokenizer(cls, tok: Any) -> SpecialIds:
        """Look the special tokens of ``benchmark.harness.special_tokens`` up in a Hugging Face tokenizer."""
        vocab = tok.get_vocab()
        missing = [t for t in (st.PAD, st.EOS, *st.MODES, *st.SENTINELS) if t not in vocab]
        if missing:
            raise SftcastError(f"tokenizer lacks special tokens {missing[:5]} (and {len(missing)} in all)")
        return cls(
            pad=vocab[st.PAD],
            eos=vocab[st.EOS],
            sentinels=tuple(vocab[t] for t in st.SENTINELS),
            nlu=vocab[st.MODE_NLU],
            nlg=vocab[st.MODE_NLG],
            s2s=vocab[st.MODE_S2S],
        )


# ---------------------------------------------------------------------------------------------
# building blocks


def _finish(tokens: list[int] | np.ndarray, loss: np.ndarray, special: SpecialIds, seq_len: int) -> Example:
    """Truncate or right-pad ``tokens`` (with a per-token loss flag) to ``seq_len``."""
    tokens = np.asarray(tokens, dtype=np.int64)[:seq_len]
    loss = np.asarray(loss, dtype=bool)[:seq_len]
    n = len(tokens)
    input_ids = np.full(seq_len, special.pad, dtype=np.int64)
    labels = np.full(seq_len, IGNORE, dtype=np.int64)
    attention = np.zeros(seq_len, dtype=np.int64)
    input_ids[:n] = tokens
    labels[:n] = np.where(loss, tokens, IGNORE)
    attention[:n] = 1
    return Example(input_ids, labels, attention)


def _window(ids: Ids, seq_len: int) -> np.ndarray:
    arr = np.asarray(ids, dtype=np.int64)
    if arr.ndim != 1 or len(arr) == 0:
        raise SftcastError(f"expected a non-empty 1-D window of token ids, got shape {arr.shape}")
    return arr[:seq_len]


def _split_counts(n_noise: int, n_spans: int, length: int) -> tuple[int, int]:
    n_noise = min(max(n_noise, 1), length - 1)
    n_spans = max(1, min(n_spans, n_noise, length - n_noise))
    return n_noise, n_spans


def span_counts(length: int, density: float, mean_span: float) -> tuple[int, int]:
    """T5's arithmetic: ``(noise tokens, spans)`` for a sequence of ``length`` tokens."""
    n_noise = int(round(length * density))
    n_spans = int(round(n_noise / mean_span))
    return _split_counts(n_noise, n_spans, length)


@lru_cache(maxsize=256)
def raw_length(seq_len: int, density: float, mean_span: float, extra: int) -> int:
    """The most raw tokens whose rendering (+ ``extra`` tokens) fits ``seq_len``.

    A rendering of ``L`` raw tokens with ``k`` spans has ``L + 2k + 1`` tokens (each span leaves a
    sentinel in the input and one in the targets, plus the final ``</s>``).
    """
    for length in range(seq_len, 1, -1):
        _, n_spans = span_counts(length, density, mean_span)
        if length + 2 * n_spans + 1 + extra <= seq_len:
            return length
    raise SftcastError(f"seq_len {seq_len} is too short for span corruption")


def _random_partition(n_items: int, n_parts: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``n_items`` into ``n_parts`` positive lengths uniformly at random (as T5 does)."""
    cuts = np.sort(rng.choice(np.arange(1, n_items), size=n_parts - 1, replace=False))
    return np.diff(np.concatenate([[0], cuts, [n_items]]))


def noise_spans(length: int, density: float, mean_span: float, rng: np.random.Generator) -> np.ndarray:
    """T5 ``random_spans_noise_mask``: a bool mask, alternating kept and noise spans, kept first."""
    n_noise, n_spans = span_counts(length, density, mean_span)
    noise_lengths = _random_partition(n_noise, n_spans, rng)
    keep_lengths = _random_partition(length - n_noise, n_spans, rng)
    mask = np.zeros(length, dtype=bool)
    pos = 0
    for keep, noise in zip(keep_lengths, noise_lengths, strict=True):
        pos += keep
        mask[pos : pos + noise] = True
        pos += noise
    return mask


def causal(ids: Ids, special: SpecialIds, seq_len: int) -> Example:
    """Causal LM rendering: loss on every token (what a window too short to corrupt becomes)."""
    raw = _window(ids, seq_len)
    return _finish(raw, np.ones(len(raw), dtype=bool), special, seq_len)


def span_corrupt(
    ids: Ids,
    rng: np.random.Generator,
    special: SpecialIds,
    seq_len: int,
    density: float = 0.15,
    mean_span: float = 3.0,
    mode: int | None = None,
) -> Example:
    """Span corruption rendered decoder-only: ``[mode] corrupted targets``, loss on the targets."""
    extra = 0 if mode is None else 1
    raw = _window(ids, seq_len)
    raw = raw[: raw_length(seq_len, density, mean_span, extra)]
    if len(raw) < 2:
        return causal(raw, special, seq_len)
    mask = noise_spans(len(raw), density, mean_span, rng)
    prefix = [] if mode is None else [mode]
    inputs: list[int] = list(prefix)
    targets: list[int] = []
    target_loss: list[bool] = []
    span = -1
    for i, tok in enumerate(raw.tolist()):
        if mask[i] and (i == 0 or not mask[i - 1]):  # a span starts
            span += 1
            sentinel = special.sentinels[span % len(special.sentinels)]
            inputs.append(sentinel)
            targets.append(sentinel)
            target_loss.append(span > 0)
        if mask[i]:
            targets.append(tok)
            target_loss.append(True)
        else:
            inputs.append(tok)
    targets.append(special.eos)
    target_loss.append(True)
    loss = np.array([False] * len(inputs) + target_loss)
    return _finish(inputs + targets, loss, special, seq_len)
