"""Hand-checked cases for the seven pre-training objectives."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.core.errors import SftcastError
from benchmark.harness.spans import IGNORE, SpecialIds, noise_spans, raw_length, span_corrupt, span_counts
from benchmark.produce.objectives import OBJECTIVES, get_objective

SP = SpecialIds(pad=0, eos=1, sentinels=tuple(range(100, 200)), nlu=2, nlg=3, s2s=4)
MODES = {SP.nlu, SP.nlg, SP.s2s}
NAMES = ["CLM", "PLM", "SC", "SC+CLM", "UL2", "UL2R", "UL2R+CLM"]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of True."""
    out, start = [], None
    for i, m in enumerate([*mask.tolist(), False]):
        if m and start is None:
            start = i
        if not m and start is not None:
            out.append((start, i - start))
            start = None
    return out


def test_registry_has_the_papers_seven_objectives() -> None:
    assert sorted(OBJECTIVES.names()) == sorted(NAMES)
    with pytest.raises(SftcastError, match="did you mean 'UL2R'"):
        get_objective("UL2RR")


def test_clm_loss_everywhere_and_padding() -> None:
    ex = get_objective("CLM")(np.arange(10, 18), rng(), SP, 8)
    assert ex.input_ids.tolist() == list(range(10, 18))
    assert ex.labels.tolist() == list(range(10, 18))
    assert ex.attention_mask.tolist() == [1] * 8
    short = get_objective("CLM")(np.arange(10, 15), rng(), SP, 8)
    assert short.input_ids.tolist() == [10, 11, 12, 13, 14, 0, 0, 0]
    assert short.labels.tolist() == [10, 11, 12, 13, 14, IGNORE, IGNORE, IGNORE]
    assert short.attention_mask.tolist() == [1, 1, 1, 1, 1, 0, 0, 0]


def test_plm_loss_on_suffix_only() -> None:
    ids = np.arange(10, 42)
    split = int(rng(3).integers(1, 32))  # the same draw the objective makes
    ex = get_objective("PLM")(ids, rng(3), SP, 32)
    assert ex.input_ids.tolist() == ids.tolist()
    assert ex.labels[:split].tolist() == [IGNORE] * split
    assert ex.labels[split:].tolist() == ids[split:].tolist()
    for seed in range(20):  # prefix and suffix are never empty
        lab = get_objective("PLM")(ids, rng(seed), SP, 32).labels
        assert lab[0] == IGNORE and lab[-1] != IGNORE


def test_t5_span_arithmetic() -> None:
    assert span_counts(100, 0.15, 3) == (15, 5)
    assert span_counts(96, 0.5, 3) == (48, 16)
    assert span_counts(120, 0.15, 64) == (18, 1)  # at least one span
    mask = noise_spans(100, 0.15, 3, rng(1))
    assert mask.sum() == 15 and len(runs(mask)) == 5
    assert not mask[0]  # T5 starts with kept tokens
    # sum of span lengths is the noise count; every span has at least one token
    assert all(length >= 1 for _, length in runs(mask))


def test_sc_hand_case() -> None:
    # 19 raw tokens fit 24 positions at (0.2, 2): 4 noise tokens in 2 spans, 19 + 2*2 + 1 = 24.
    assert raw_length(24, 0.2, 2.0, 0) == 19
    ex = span_corrupt(np.arange(10, 30), rng(0), SP, 24, 0.2, 2.0)
    corrupted = [*range(10, 19), 100, *range(22, 28), 101]
    targets = [100, 19, 20, 21, 101, 28, SP.eos]
    assert ex.input_ids.tolist() == corrupted + targets
    # loss on the targets after the first target sentinel
    assert ex.labels.tolist() == [IGNORE] * (len(corrupted) + 1) + targets[1:]
    assert ex.attention_mask.tolist() == [1] * 24


@pytest.mark.parametrize("density,span", [(0.15, 3), (0.15, 8), (0.5, 3), (0.5, 64), (0.15, 64)])
def test_sc_reconstructs_the_raw_tokens(density: float, span: float) -> None:
    seq_len = 128
    raw = np.arange(300, 300 + seq_len)
    ex = span_corrupt(raw, rng(7), SP, seq_len, density, span)
    toks = ex.input_ids[ex.attention_mask == 1].tolist()
    first = toks.index(SP.sentinels[0])
    second = toks.index(SP.sentinels[0], first + 1)  # the targets begin here
    inputs, targets = toks[:second], toks[second:]
    assert targets[-1] == SP.eos
    spans: dict[int, list[int]] = {}
    current = None
    for t in targets[:-1]:
        if t in SP.sentinels:
            current = t
            spans[current] = []
        else:
            spans[current].append(t)
    n_raw = raw_length(seq_len, density, span, 0)
    n_noise, n_spans = span_counts(n_raw, density, span)
    assert list(spans) == list(SP.sentinels[:n_spans])  # sentinels in order, one per span
    assert sum(len(s) for s in spans.values()) == n_noise
    rebuilt = [x for t in inputs for x in (spans[t] if t in spans else [t])]
    assert rebuilt == raw[:n_raw].tolist()
    loss = ex.labels != IGNORE
    assert loss.sum() == len(targets) - 1 and loss[second + 1 :].all() and not loss[: second + 1].any()


def test_sentinels_are_reused_past_the_tokenizers_supply() -> None:
    ex = span_corrupt(np.arange(1000, 3048), rng(0), SP, 2048, 0.5, 3)
    assert len(ex.input_ids) == 2048
    assert set(SP.sentinels) <= set(ex.input_ids.tolist())


def test_ul2_mode_tokens_match_the_denoiser() -> None:
    seen = {m: 0 for m in MODES}
    for seed in range(300):
        ex = get_objective("UL2")(np.arange(300, 428), rng(seed), SP, 128)
        mode = int(ex.input_ids[0])
        assert mode in MODES
        seen[mode] += 1
        has_sentinel = bool(set(ex.input_ids.tolist()) & set(SP.sentinels))
        assert has_sentinel == (mode != SP.s2s)  # S is PLM, R and X are span corruption
        assert ex.labels[0] == IGNORE  # no loss on the mode token
        if mode == SP.s2s:  # the rest is the raw window, loss on a suffix
            assert ex.input_ids[1:].tolist() == list(range(300, 427))
    # 2 R, 3 X, 1 S... uniformly over 7: R 2/7, X 4/7, S 1/7
    assert abs(seen[SP.nlu] / 300 - 2 / 7) < 0.08
    assert abs(seen[SP.nlg] / 300 - 4 / 7) < 0.08
    assert abs(seen[SP.s2s] / 300 - 1 / 7) < 0.06


def test_ul2r_and_its_clm_mix() -> None:
    ul2r = get_objective("UL2R")
    firsts = [int(ul2r(np.arange(300, 428), rng(s), SP, 128).input_ids[0]) for s in range(400)]
    assert set(firsts) == MODES
    assert abs(firsts.count(SP.s2s) / 400 - 0.5) < 0.08
    mixed = [get_objective("UL2R+CLM")(np.arange(300, 428), rng(s), SP, 128) for s in range(400)]
    plain = [ex for ex in mixed if int(ex.input_ids[0]) not in MODES]
    assert abs(len(plain) / 400 - 0.5) < 0.08
    assert all((ex.labels == ex.input_ids).all() for ex in plain)  # the CLM half
    sc_mix = [get_objective("SC+CLM")(np.arange(300, 428), rng(s), SP, 128) for s in range(200)]
    n_sc = sum(bool(set(ex.input_ids.tolist()) & set(SP.sentinels)) for ex in sc_mix)
    assert abs(n_sc / 200 - 0.5) < 0.1


@pytest.mark.parametrize("name", NAMES)
def test_contract_fixed_length_masks_and_determinism(name: str) -> None:
    fn = get_objective(name)
    window = np.arange(300, 364)
    for seed in range(30):
        ex = fn(window, rng(seed), SP, 64)
        again = fn(window, rng(seed), SP, 64)
        for a, b in zip(ex, again, strict=True):
            assert a.dtype == np.int64 and a.shape == (64,)
            assert np.array_equal(a, b)
        loss = ex.labels != IGNORE
        assert loss.any()
        assert (ex.labels[loss] == ex.input_ids[loss]).all()
        assert ex.attention_mask[loss].all()
        n = int(ex.attention_mask.sum())
        assert ex.attention_mask[:n].all() and (ex.input_ids[n:] == SP.pad).all()
    outputs = {fn(window, rng(s), SP, 64).labels.tobytes() for s in range(10)}
    assert name == "CLM" or len(outputs) > 1  # the seed matters for every random objective
