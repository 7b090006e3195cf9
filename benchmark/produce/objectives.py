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
from typing import Any

import numpy as np

from benchmark.core.registry import Registry
from benchmark.harness.spans import IGNORE, Example, Ids, SpecialIds, _finish, _window, causal, span_corrupt

__all__ = ["IGNORE", "OBJECTIVES", "Example", "SpecialIds", "get_objective", "span_corrupt"]


Objective = Callable[[Ids, np.random.Generator, SpecialIds, int], Example]
OBJECTIVES: Registry[Objective] = Registry("objective")


def get_objective(name: str) -> Objective:
    """Return the registered objective ``name`` (``CLM``, ``PLM``, ``SC``, ... ``UL2R+CLM``)."""
    return OBJECTIVES.get(name)


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
    return causal(ids, special, seq_len)


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
