"""The real-data path on the SlimPajama-schema fixture: streamed mixing, the token file, exact resume."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.cli import main
from benchmark.produce.corpus import DOMAIN_TAGS, iter_slimpajama, length_bounds, mixture_shares
from benchmark.produce.objectives import SpecialIds, get_objective
from benchmark.produce.presets import get_preset, pretrain_variant, suite_tokenizer
from benchmark.produce.pretrain import ObjectiveDataset
from benchmark.produce.stream import SLIMPAJAMA_HUB_ID, prepare_tokens, split_domains, stream_documents

torch.set_num_threads(1)
FIXTURE = str(Path(__file__).parents[1] / "fixtures" / "slimpajama" / "train.parquet")
RUN = {"max_steps": 12, "batch_size": 4, "grad_accum": 2, "num_threads": 1, "warmup_steps": 2}


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    return suite_tokenizer("micro", tmp_path_factory.mktemp("runs"), data=FIXTURE)


def test_paper1b_defaults_to_slimpajama_and_the_small_presets_to_the_world():
    assert get_preset("paper1b").data == SLIMPAJAMA_HUB_ID == "cerebras/SlimPajama-627B"
    assert {get_preset(s).data for s in ("micro", "tiny", "small")} == {"world"}


def test_split_domains_reads_once_and_skips_surplus_beyond_the_queue():
    rows = [("c4", "a1"), ("c4", "a2"), ("c4", "a3"), ("books", "x"), ("github", "b1"), ("c4", "a4")]
    streams = split_domains(rows, ["c4", "github"], queue_docs=2)
    assert next(streams["github"]) == "b1"  # reads past a1..a3 (a3 skipped: queue full) and books
    assert list(streams["c4"]) == ["a1", "a2", "a4"]
    assert list(streams["github"]) == []


@pytest.mark.parametrize(("mixture", "length_filter"), [("DC-0", "none"), ("DC-5", "q25-75")])
def test_every_prefix_of_the_stream_follows_the_mixture(mixture, length_filter):
    docs = list(stream_documents(FIXTURE, mixture, length_filter=length_filter, domain_tagging=True))
    shares, longest = mixture_shares(mixture), max(d.n_tokens for d in docs)
    assert {d.domain for d in docs} == set(shares) and len(docs) > 20
    totals, slack = dict.fromkeys(shares, 0), (len(shares) - 1) * longest
    for doc in docs:  # a domain is picked only while furthest below its share: never over by > 1 doc
        totals[doc.domain] += doc.n_tokens
        grand = sum(totals.values())
        for d, share in shares.items():
            assert share * grand - slack <= totals[d] <= share * grand + longest, (d, grand)
        assert doc.text.startswith(DOMAIN_TAGS[doc.domain] + " ")
    if mixture == "DC-0":  # the fixture is small: a few documents per domain
        assert all(totals[d] / grand == pytest.approx(s, abs=0.03) for d, s in shares.items())


def test_streamed_length_filter_takes_quantiles_from_each_domains_leading_documents():
    docs = list(stream_documents(FIXTURE, "DC-1", length_filter="q75-100", calibration=8))
    lengths = [len(text.split()) for domain, text in iter_slimpajama(FIXTURE) if domain == "commoncrawl"]
    lo, hi = length_bounds(lengths[:8], "q75-100")
    assert docs and all(lo <= d.n_tokens <= hi for d in docs)
    assert len(docs) == sum(lo <= n for n in lengths)  # DC-1: every long enough CC row, none lost


def test_token_file_is_written_once_reproducibly_and_maps_lazily(tok, tmp_path):
    kwargs = {"domain_tagging": True, "length_filter": "none", "n_tokens": 5_000}
    tf = prepare_tokens(FIXTURE, tok, "DC-3", cache_dir=tmp_path / "a", **kwargs)
    assert len(tf) == 5_000 and tf.meta["n_tokens"] == 5_000 and tf.dtype == np.uint16
    count = lambda s: len(tok(s)["input_ids"])  # noqa: E731
    first = list(stream_documents(FIXTURE, "DC-3", domain_tagging=True, count_tokens=count))
    ids = tok(first[0].text, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    assert tf[: len(ids)].tolist() == ids and tf[0] == ids[0]
    assert set(tf.meta["tokens_by_domain"]) == {"commoncrawl", "github"}
    mtime = tf.path.stat().st_mtime_ns  # a second call (another variant or rank) reuses the file
    reused = prepare_tokens(FIXTURE, tok, "DC-3", cache_dir=tmp_path / "a", **kwargs)
    assert reused.path.stat().st_mtime_ns == mtime
    again = prepare_tokens(FIXTURE, tok, "DC-3", cache_dir=tmp_path / "b", **kwargs)
    assert again.path.read_bytes() == tf.path.read_bytes()  # a lost cache is rebuilt bit for bit
    assert pickle.loads(pickle.dumps(tf))._map is None  # DataLoader workers map it themselves
    with pytest.warns(UserWarning, match="ran dry"):
        short = prepare_tokens(FIXTURE, tok, "DC-3", cache_dir=tmp_path / "c", **kwargs | {"n_tokens": 10**7})
    assert len(short) < 10**7

    # the training dataset sees the same examples as over the same ids in memory
    special, objective = SpecialIds.from_tokenizer(tok), get_objective("UL2")
    on_disk = ObjectiveDataset(tf, objective, special, 64, 100, seed=3)
    in_memory = ObjectiveDataset(tf[:], objective, special, 64, 100, seed=3)
    for g in (0, 17, 78, 99):
        a, b = on_disk[g], in_memory[g]
        assert all(torch.equal(a[k], b[k]) for k in a)


def _weights(run: Path, step: int) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(run / f"checkpoint-{step}" / "model.safetensors")


def test_pretrain_on_streamed_data_resumes_exactly(tmp_path):
    kwargs = {"data": FIXTURE, "n_tokens": 20_000, "overrides": RUN, "progress_bar": False}
    whole = pretrain_variant("micro", 21, out=tmp_path / "whole", **kwargs)  # UL2, DC-0
    assert whole["finished"] and whole["data"] == FIXTURE and whole["world"] is None
    assert whole["corpus"]["n_tokens"] == 20_000 and Path(whole["corpus"]["path"]).exists()
    part = pretrain_variant("micro", 21, out=tmp_path / "split", max_steps_this_session=5, **kwargs)
    assert not part["finished"]
    rest = pretrain_variant("micro", 21, out=tmp_path / "split", **kwargs)
    assert rest["resumed_from_step"] == 5 and rest["finished"]
    a = _weights(tmp_path / "whole" / "micro" / "seed0" / "v21", 12)
    b = _weights(tmp_path / "split" / "micro" / "seed0" / "v21", 12)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_cli_pretrain_takes_data(tmp_path, capsys):
    argv = ["produce", "pretrain", "--preset", "micro", "--variant", "38", "--data", FIXTURE,
        "--n-tokens", "3000",
            "--out", str(tmp_path), "--no-progress", "--set", "max_steps=3",
            "--set", "num_threads=1"]  # fmt: skip
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["finished"] is True
    summary = json.loads((tmp_path / "micro" / "seed0" / "v38" / "summary.json").read_text())
    assert summary["data"] == FIXTURE
    assert set(summary["corpus"]["tokens_by_domain"]) == {"commoncrawl", "github"}  # DC-3
