"""Mixtures, tagging and length filtering, on the seeded world and on a SlimPajama-schema fixture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.core.errors import SftcastError
from benchmark.produce.corpus import (
    DOMAIN_TAGS,
    MIXTURES,
    build_corpus,
    build_corpus_documents,
    domain_shares,
    mixture_shares,
    read_slimpajama,
    read_slimpajama_documents,
    whitespace_tokens,
)
from benchmark.produce.world import World
from benchmark.produce.world.documents import documents

FIXTURE = Path(__file__).parents[1] / "fixtures" / "slimpajama" / "train.parquet"


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate("micro", seed=0)


def test_mixtures_are_table_3():
    assert MIXTURES["DC-0"] == {"commoncrawl": 52.2, "c4": 26.7, "github": 5.2, "books": 4.2, "arxiv": 4.6,
                                "wikipedia": 3.8, "stackexchange": 3.3}  # fmt: skip
    assert MIXTURES["DC-1"] == {"commoncrawl": 100.0}
    assert MIXTURES["DC-2"] == {"commoncrawl": 90.9, "github": 9.1}
    assert MIXTURES["DC-3"] == {"commoncrawl": 75.8, "github": 24.2}
    assert MIXTURES["DC-4"] == {"commoncrawl": 75.8, "wikipedia": 24.2}
    assert MIXTURES["DC-5"] == {"commoncrawl": 75.8, "github": 9.1, "books": 7.9, "wikipedia": 7.3}
    for name in MIXTURES:
        assert sum(mixture_shares(name).values()) == pytest.approx(1.0)
    with pytest.raises(SftcastError, match="did you mean DC-3"):
        mixture_shares("DC3")


@pytest.mark.parametrize("mixture", list(MIXTURES))
def test_world_corpus_matches_mixture(world, mixture):
    docs = build_corpus_documents(world, mixture, n_tokens=60_000, seed=1)
    total = sum(d.n_tokens for d in docs)
    assert total == pytest.approx(60_000, rel=0.02)
    shares, target = domain_shares(docs), mixture_shares(mixture)
    assert set(shares) == set(target)
    for domain, share in target.items():
        assert shares[domain] == pytest.approx(share, abs=0.005), domain


def test_build_corpus_is_seeded_and_shuffled(world):
    a = build_corpus(world, "DC-0", n_tokens=20_000, seed=3)
    assert a == build_corpus(world, "DC-0", n_tokens=20_000, seed=3)
    assert a != build_corpus(world, "DC-0", n_tokens=20_000, seed=4)
    domains = [d.domain for d in build_corpus_documents(world, "DC-0", n_tokens=20_000, seed=3)]
    assert domains[: len(domains) // 2].count("commoncrawl") < len(domains) // 2  # interleaved, not blocked


def test_domain_tagging(world):
    tagged = build_corpus_documents(world, "DC-0", n_tokens=20_000, domain_tagging=True)
    assert all(d.text.startswith(DOMAIN_TAGS[d.domain] + " ") for d in tagged)
    assert DOMAIN_TAGS["wikipedia"] == "[Wikipedia]"
    plain = build_corpus(world, "DC-0", n_tokens=20_000)
    assert not any(t.startswith(tuple(DOMAIN_TAGS.values())) for t in plain)
    assert [d.text.split(" ", 1)[1] for d in tagged] == plain  # same documents, tag added


@pytest.mark.parametrize(("length_filter", "quantiles"), [("q25-75", (0.25, 0.75)), ("q75-100", (0.75, 1.0))])
def test_length_filter_keeps_per_domain_quantiles(world, length_filter, quantiles):
    docs = build_corpus_documents(world, "DC-0", n_tokens=40_000, length_filter=length_filter, seed=2)
    for domain in MIXTURES["DC-0"]:
        sample = [
            whitespace_tokens(t) for t in documents(world, domain, 256, seed=2)
        ]  # the calibration sample
        lo, hi = np.quantile(sample, quantiles)
        kept = [d.n_tokens for d in docs if d.domain == domain]
        assert kept and min(kept) >= lo, domain
        if quantiles[1] < 1:
            assert max(kept) <= hi, domain
    shares, target = domain_shares(docs), mixture_shares("DC-0")
    assert all(shares[d] == pytest.approx(s, abs=0.01) for d, s in target.items())


def test_qa_mix_and_custom_token_count(world):
    docs = build_corpus_documents(world, "DC-4", n_tokens=30_000, qa_mix=0.2, count_tokens=len)
    shares = domain_shares(docs)
    assert shares["qa"] == pytest.approx(0.2, abs=0.01)
    assert shares["wikipedia"] == pytest.approx(0.8 * 24.2 / 100, abs=0.01)
    assert all(d.n_tokens == len(d.text) for d in docs)  # counted in characters here
    _, held = world.split_entities()
    qa_text = " ".join(d.text for d in docs if d.domain == "qa")
    assert "Question:" in qa_text and not any(p.name in qa_text for p in held)
    with pytest.raises(SftcastError, match="length_filter"):
        build_corpus(world, "DC-0", n_tokens=1_000, length_filter="q10-20")


def test_read_slimpajama_fixture_mixes_like_the_world():
    docs = read_slimpajama_documents(str(FIXTURE), "DC-0", n_docs=10_000, domain_tagging=True, seed=0)
    shares, target = domain_shares(docs), mixture_shares("DC-0")
    assert set(shares) == set(target)
    for domain, share in target.items():
        assert shares[domain] == pytest.approx(share, abs=0.015), domain
    assert all(d.text.startswith(DOMAIN_TAGS[d.domain]) for d in docs)
    assert not any("not a SlimPajama source" in d.text for d in docs)


def test_read_slimpajama_from_a_folder_with_length_filter_and_budget():
    texts = read_slimpajama(
        str(FIXTURE.parent), "DC-3", n_docs=10_000, streaming=False, length_filter="q75-100", n_tokens=1_000
    )
    assert 900 <= sum(whitespace_tokens(t) for t in texts) <= 1_100
    docs = read_slimpajama_documents(str(FIXTURE), "DC-1", n_docs=10_000, length_filter="q75-100")
    lengths = [d.n_tokens for d in read_slimpajama_documents(str(FIXTURE), "DC-1", n_docs=10_000)]
    assert min(d.n_tokens for d in docs) >= np.quantile(lengths, 0.75)


def test_read_slimpajama_reads_only_n_docs():
    with pytest.raises(SftcastError, match="no rows for domain"):
        read_slimpajama(str(FIXTURE), "DC-0", n_docs=5)
