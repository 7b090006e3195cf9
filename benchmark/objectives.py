"""The seven pre-training objectives as pure functions over token ids, for a decoder-only model.

Every objective has the signature ``fn(ids, rng, special, seq_len) -> Example``: ``ids`` is a window
of at least ``seq_len`` token ids from the packed corpus stream (an objective may use only a prefix
of it), ``rng`` a ``numpy.random.Generator``, ``special`` the tokenizer's special ids. The
``Example`` holds three int64 arrays of length exactly ``seq_len`` (right-padded), so examples stack
into batches. ``labels`` follows the Hugging Face convention: ``labels[t]`` is the token at position
``t`` (the model shifts internally), and -100 marks positions without loss. Attention stays causal;
``attention_mask`` only masks padding.

Renderings (worked example with ids ``a b c d e f g h``):

- CLM: ``a b c d e f g h``, loss everywhere.
- PLM: a uniform random split, e.g. ``a b c | d e f g h``; loss on ``d .. h`` only.
- SC (T5 span corruption, density 0.15, mean span 3, spans chosen exactly as T5's
  ``random_spans_noise_mask``): the corrupted input ``a <X0> d e <X1> h`` followed by the targets
  ``<X0> b c <X1> f g </s>``. The sequence is ``corrupted + targets``; the loss covers the targets
  after their first sentinel (the spans, the later sentinels and the final ``</s>``). The first
  target sentinel carries no loss: it only marks where the targets start.
- UL2 / UL2R: one denoiser drawn per example; the sequence starts with its mode token
  (``[NLU]`` for R-denoisers, ``[NLG]`` for X-denoisers, ``[S2S]`` for the S-denoiser = PLM).

Mixture weights (per example, drawn from ``rng``):

- SC+CLM: 50% SC, 50% CLM; the paper names the pair without weights, so equal shares.
- UL2: the seven denoisers of the UL2 paper, each 1/7 (R: (0.15,3) (0.15,8); X: (0.5,3) (0.5,8)
  (0.15,64) (0.5,64); S: PLM). Uniform over denoisers is the simplest reading of "mixture of
  denoisers" and gives the S-denoiser 14%, close to the small share UL2 recommends for it.
- UL2R: S 50%, R (0.15,3) 25%, X (0.5,32) 25%: the U-PaLM recipe, which weights the prefix-LM half.
- UL2R+CLM: 50% CLM, 50% UL2R (itself split as above); CLM examples carry no mode token.

More sentinels than the tokenizer has (only with long sequences and dense noise, e.g. (0.5,3) at
2048 tokens) are reused cyclically; the targets' order still identifies each span.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from benchmark import special_tokens as st
from benchmark.errors import SftcastError
from benchmark.registry import Registry

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
        """Look the special tokens of ``benchmark.special_tokens`` up in a Hugging Face tokenizer."""
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


Objective = Callable[[Ids, np.random.Generator, SpecialIds, int], Example]
OBJECTIVES: Registry[Objective] = Registry("objective")


def get_objective(name: str) -> Objective:
    """Return the registered objective ``name`` (``CLM``, ``PLM``, ``SC``, ... ``UL2R+CLM``)."""
    return OBJECTIVES.get(name)


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
        return clm(raw, rng, special, seq_len)
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


def prefix_lm(
    ids: Ids,
    rng: np.random.Generator,
    special: SpecialIds,
    seq_len: int,
    mode: int | None = None,
) -> Example:
    """Prefix LM: a uniform random split point, loss on the suffix only (causal attention)."""
    raw = _window(ids, seq_len - (0 if mode is None else 1))
    split = int(rng.integers(1, len(raw))) if len(raw) > 1 else 0
    prefix = [] if mode is None else [mode]
    tokens = prefix + raw.tolist()
    loss = np.zeros(len(tokens), dtype=bool)
    loss[len(prefix) + split :] = True
    return _finish(tokens, loss, special, seq_len)


# ---------------------------------------------------------------------------------------------
# the seven objectives


@OBJECTIVES.register("CLM")
def clm(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    """Causal LM: loss on every token."""
    raw = _window(ids, seq_len)
    return _finish(raw, np.ones(len(raw), dtype=bool), special, seq_len)


@OBJECTIVES.register("PLM")
def plm(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    """Prefix LM without a mode token."""
    return prefix_lm(ids, rng, special, seq_len)


@OBJECTIVES.register("SC")
def sc(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    """T5 span corruption, noise density 0.15, mean span 3, no mode token."""
    return span_corrupt(ids, rng, special, seq_len, 0.15, 3.0)


def _mixture(
    parts: Sequence[tuple[float, Callable[..., Example]]],
) -> Objective:
    weights = np.array([w for w, _ in parts], dtype=float)
    weights = weights / weights.sum()

    def mixed(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
        choice = int(rng.choice(len(parts), p=weights))
        return parts[choice][1](ids, rng, special, seq_len)

    return mixed


def _r(density: float, span: float) -> Callable[..., Example]:
    def denoiser(ids: Any, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
        return span_corrupt(ids, rng, special, seq_len, density, span, mode=special.nlu)

    return denoiser


def _x(density: float, span: float) -> Callable[..., Example]:
    def denoiser(ids: Any, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
        return span_corrupt(ids, rng, special, seq_len, density, span, mode=special.nlg)

    return denoiser


def _s(ids: Any, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    return prefix_lm(ids, rng, special, seq_len, mode=special.s2s)


# (weight, denoiser) pairs; the module docstring says why these weights.
UL2_DENOISERS = (
    (1.0, _r(0.15, 3)),
    (1.0, _r(0.15, 8)),
    (1.0, _x(0.5, 3)),
    (1.0, _x(0.5, 8)),
    (1.0, _x(0.15, 64)),
    (1.0, _x(0.5, 64)),
    (1.0, _s),
)
UL2R_DENOISERS = ((0.25, _r(0.15, 3)), (0.25, _x(0.5, 32)), (0.5, _s))

_sc_clm = _mixture(((0.5, sc), (0.5, clm)))
_ul2 = _mixture(UL2_DENOISERS)
_ul2r = _mixture(UL2R_DENOISERS)
_ul2r_clm = _mixture(((0.5, clm), (0.5, _ul2r)))


@OBJECTIVES.register("SC+CLM")
def sc_clm(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    """50% SC, 50% CLM per example."""
    return _sc_clm(ids, rng, special, seq_len)


@OBJECTIVES.register("UL2")
def ul2(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    """UL2's seven denoisers, uniformly, with mode tokens."""
    return _ul2(ids, rng, special, seq_len)


@OBJECTIVES.register("UL2R")
def ul2r(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    """UL2R: R (0.15,3) 25%, X (0.5,32) 25%, S (PLM) 50%, with mode tokens."""
    return _ul2r(ids, rng, special, seq_len)


@OBJECTIVES.register("UL2R+CLM")
def ul2r_clm(ids: Ids, rng: np.random.Generator, special: SpecialIds, seq_len: int) -> Example:
    """50% CLM (no mode token), 50% UL2R."""
    return _ul2r_clm(ids, rng, special, seq_len)
