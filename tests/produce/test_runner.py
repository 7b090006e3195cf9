"""The suite runner on the micro preset: records, resume from records and caches, collect, noise."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import benchmark.harness.evaluator as harness_runner
import benchmark.produce.suite_runner as runner
from benchmark.analysis.noise import format_noise, label_rows, noise_summary, noise_table, seed_noise
from benchmark.analysis.replication import checkpoint_suite
from benchmark.cli import main
from benchmark.core.errors import SftcastError
from benchmark.core.schema import SUITES_DIR, load_suite, suite_declaration
from benchmark.core.vocab import TASK_VERSIONS
from benchmark.produce.collect import collect_suite
from benchmark.produce.suite_runner import (
    RECORDS_DIR,
    RunSettings,
    _git_commit,
    label_kind,
    load_records,
    outdated,
    pending,
    record_path,
    run_suite,
    upgrade_record,
)

pytestmark = pytest.mark.slow  # builds and trains models: minutes on 2 cores


@pytest.fixture(scope="module")
def micro_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("suite")
    settings = RunSettings(
        suite="micro", out=str(root / "runs"), records=str(root / "records"),
        checkpoint_proxy_limit=4, final_proxy_limit=8,
    )  # fmt: skip
    written = run_suite(settings, [1, 6], seeds=[0], jobs=2, progress=False)
    return settings, written


@pytest.fixture
def fresh_run(micro_run, tmp_path):
    """A private copy of the micro run (records and run folders) for a test that edits it."""
    settings, _ = micro_run
    root = Path(settings.out).parent
    shutil.copytree(root, tmp_path / "suite")
    copy = RunSettings(**{**settings.__dict__, "out": str(tmp_path / "suite" / "runs"),
                          "records": str(tmp_path / "suite" / "records")})  # fmt: skip
    return copy, None


def test_records_hold_config_proxies_checkpoints_and_sft(micro_run):
    settings, written = micro_run
    assert len(written) == 2
    rec = json.loads(record_path(settings, 6, 0).read_text())
    assert rec["variant"]["objective"] == "SC" and rec["seed"] == 0 and rec["world_seed"] == 0
    assert set(rec["sft"]) == {"cms", "rag", "cbqa"}
    for task in ("cms", "rag", "cbqa"):
        assert set(rec["sft"][task]) >= {"score", "acc", "gold_loglik", "per_dataset", "seeds"}
    fractions = sorted(c["fraction"] for c in rec["checkpoints"].values())
    assert fractions == [0.25, 0.5, 0.75, 1.0]
    assert 0 < rec["proxies"]["ppl_clm"] < 1 and rec["settings"]["suite"] == "micro"


def test_rerun_skips_recorded_variants_and_resumes_from_caches(fresh_run):
    settings, _ = fresh_run
    assert pending(settings, [1, 6], [0]) == []
    assert run_suite(settings, [1, 6], seeds=[0], jobs=1, progress=False) == []
    # A lost record (a run killed after its last step) is rebuilt from the run folder's caches.
    before = json.loads(record_path(settings, 1, 0).read_text())
    record_path(settings, 1, 0).unlink()
    assert pending(settings, [1, 6], [0]) == [(1, 0)]
    run_suite(settings, [1], seeds=[0], jobs=1, progress=False)
    after = json.loads(record_path(settings, 1, 0).read_text())
    assert after["sft"] == before["sft"] and after["proxies"] == before["proxies"]


def test_records_written_before_an_extra_signal_gain_it(fresh_run):
    """A record without kshot_facts and kshot_props (written before the runner measured them) gets
    them from the run folder's checkpoints; everything else in the record stays as it was."""
    settings, _ = fresh_run
    path = record_path(settings, 6, 0)
    full = json.loads(path.read_text())
    assert 0 <= full["proxies"]["kshot_facts"] <= 1 and 0 <= full["proxies"]["kshot_props"] <= 1
    assert all({"kshot_facts", "kshot_props"} <= set(c["proxies"]) for c in full["checkpoints"].values())
    old = json.loads(path.read_text())
    for entry in (old["proxies"], *(c["proxies"] for c in old["checkpoints"].values())):
        del entry["kshot_facts"], entry["kshot_props"]
    path.write_text(json.dumps(old))
    assert pending(settings, [1, 6], [0]) == [] and outdated(settings, [1, 6], [0]) == [(6, 0)]
    assert run_suite(settings, [1, 6], seeds=[0], jobs=1, progress=False) == [str(path)]
    upgraded = json.loads(path.read_text())
    assert upgraded["checkpoints"] == full["checkpoints"] and upgraded["proxies"] == full["proxies"]
    assert upgraded["timings_s"].pop("extra_signals_s") >= 0
    assert {k: v for k, v in upgraded.items() if k != "timings_s"} == {
        k: v for k, v in full.items() if k != "timings_s"
    }
    assert upgraded["timings_s"] == old["timings_s"] and outdated(settings, [1, 6], [0]) == []
    path.write_text(json.dumps(full)[:-20])  # a truncated record: a clear error, nothing overwritten
    with pytest.raises(SftcastError, match="not a JSON record"):
        run_suite(settings, [1, 6], seeds=[0], jobs=1, progress=False)
    assert path.read_text() == json.dumps(full)[:-20]


def test_a_task_fine_tuned_with_an_old_recipe_is_fine_tuned_again(fresh_run):
    """A record (and its run folder's cache) whose CMS SFT used another recipe, and that lacks an
    extra signal too, gets CMS fine-tuned again with the current one and the signal added; the
    other tasks and everything else stay as they were."""
    settings, _ = fresh_run
    path = record_path(settings, 1, 0)
    full = json.loads(path.read_text())
    (cache,) = Path(settings.out).glob("micro/seed0/v01/sft/cms-*.json")
    cache.unlink()  # the current recipe's cache gone: fine-tuned for real
    old = json.loads(path.read_text())
    old["sft"]["cms"] = {
        **old["sft"]["cms"],
        "score": 0.0,
        "recipe": {**old["sft"]["cms"]["recipe"], "steps": 2},
    }
    for entry in (old["proxies"], *(c["proxies"] for c in old["checkpoints"].values())):
        del entry["kshot_props"]
    path.write_text(json.dumps(old))
    assert outdated(settings, [1, 6], [0]) == [(1, 0)]
    assert run_suite(settings, [1, 6], seeds=[0], jobs=1, progress=False) == [str(path)]
    upgraded = json.loads(path.read_text())
    assert upgraded["sft"] == full["sft"]  # fine-tuned again: deterministic, so the same scores
    assert json.loads(cache.read_text())["recipe"] == full["sft"]["cms"]["recipe"]
    changed = {k for k in upgraded["timings_s"] if upgraded["timings_s"][k] != full["timings_s"].get(k)}
    assert changed <= {"sft_cms_s", "extra_signals_s"} and {
        k: v for k, v in upgraded.items() if k != "timings_s"
    } == {k: v for k, v in full.items() if k != "timings_s"}
    assert outdated(settings, [1, 6], [0]) == []


def test_a_task_without_its_label_score_is_fine_tuned_again(fresh_run, monkeypatch):
    """A record (and cache) written before the evaluator reported the score kind the suite labels a
    task by gets that task fine-tuned again, and only that one; nothing else changes."""

    settings, _ = fresh_run
    path = record_path(settings, 6, 0)
    full = json.loads(path.read_text())
    assert 0 < full["sft"]["cms"]["gold_prob"] < 1 and 0 < full["sft"]["rag"]["gold_prob"] < 1
    assert runner.label_kind("micro", "cms") is None
    assert runner.label_kind("tiny", "cms") == "acc" and runner.label_kind("tiny", "rag") == "em"
    (cache,) = Path(settings.out).glob("micro/seed0/v06/sft/cms-*.json")
    cache.unlink()  # the current evaluator's cache gone: fine-tuned for real
    old = json.loads(path.read_text())
    for task in ("cms", "rag"):
        del old["sft"][task]["gold_prob"]
    path.write_text(json.dumps(old))
    assert outdated(settings, [1, 6], [0]) == []  # micro declares no label score
    monkeypatch.setattr(runner, "label_kind", lambda suite, task: {"cms": "gold_prob"}.get(task))
    assert outdated(settings, [1, 6], [0]) == [(6, 0)]
    assert runner.stale_sft(settings, old) == ["cms"]
    upgraded = runner.upgrade_record(settings, 6, 0)  # in this process: run_suite's lanes are spawned
    assert upgraded["sft"]["cms"] == full["sft"]["cms"]  # fine-tuned again: deterministic
    assert "gold_prob" not in upgraded["sft"]["rag"]  # not the label: left as it was
    timings = upgraded["timings_s"]
    assert {k for k in timings if timings[k] != full["timings_s"].get(k)} <= {"sft_cms_s"}
    assert json.loads(cache.read_text())["gold_prob"] == full["sft"]["cms"]["gold_prob"]
    assert runner.stale_sft(settings, upgraded) == []


def test_a_signal_of_a_new_version_is_measured_again(fresh_run, monkeypatch):
    """Bumping an extra signal's ``version`` in proxies.yaml makes every record holding an older
    one out of date; the upgrade measures it into a cache of its own and records the version."""

    settings, _ = fresh_run
    full = json.loads(record_path(settings, 6, 0).read_text())
    assert full["signal_versions"] == {"kshot_facts": 1, "kshot_props": 1}
    assert outdated(settings, [1, 6], [0]) == []
    specs = harness_runner.proxy_specs()
    bumped = {**specs, "kshot_props": {**specs["kshot_props"], "version": 2}}
    monkeypatch.setattr(harness_runner, "proxy_specs", lambda: bumped)
    assert outdated(settings, [1, 6], [0]) == [(1, 0), (6, 0)]
    upgraded = upgrade_record(settings, 6, 0)
    assert upgraded["signal_versions"] == {"kshot_facts": 1, "kshot_props": 2}
    assert upgraded["proxies"]["kshot_props"] == full["proxies"]["kshot_props"]  # same task, same value
    run = Path(settings.out) / "micro" / "seed0" / "v06"
    for step, entry in full["checkpoints"].items():  # measured anew, into a cache of its own, everywhere
        assert runner.proxy_cache(run, int(step), entry["proxy_limit"], ["kshot_props"]).exists()


def test_a_task_whose_tasks_changed_is_measured_again(fresh_run):
    """A record (and an SFT cache) of an older ``TASK_VERSIONS`` gets that task's proxies at
    every checkpoint and its SFT again; the data folder is rebuilt first. Nothing else changes."""

    settings, _ = fresh_run
    path = record_path(settings, 6, 0)
    full = json.loads(path.read_text())
    assert full["task_versions"] == TASK_VERSIONS
    assert full["sft"]["cms"]["task_version"] == TASK_VERSIONS["cms"]
    old = json.loads(path.read_text())
    del old["task_versions"]  # a record from before task versions: every task at 1
    old["sft"]["cms"]["task_version"] = 1
    for entry in old["checkpoints"].values():
        entry["proxies"]["kshot_cms"] = -1.0
    path.write_text(json.dumps(old))
    run = Path(settings.out) / "micro" / "seed0" / "v06"
    (cache,) = run.glob("sft/cms-*.json")
    cache.unlink()  # the current tasks' SFT cache gone: fine-tuned for real
    stamp = Path(settings.out) / "micro" / "data-world0" / "task_versions.json"
    stamp.unlink()  # data built before task versions
    assert runner.stale_tasks(old) == ["cms"] and runner.stale_sft(settings, old) == ["cms"]
    assert outdated(settings, [1, 6], [0]) == [(6, 0)]
    upgraded = runner.upgrade_record(settings, 6, 0)  # in this process: run_suite's lanes are spawned
    assert json.loads(stamp.read_text()) == TASK_VERSIONS
    assert upgraded["timings_s"].pop("task_proxies_s") >= 0 and upgraded["timings_s"].pop("sft_cms_s") >= 0
    full["timings_s"].pop("sft_cms_s")
    assert upgraded["checkpoints"] == full["checkpoints"] and upgraded["sft"] == full["sft"]  # deterministic
    assert {k: v for k, v in upgraded.items() if k != "settings"} == {
        k: v for k, v in full.items() if k != "settings"
    }
    path.write_text(json.dumps(upgraded))
    assert outdated(settings, [1, 6], [0]) == []


def test_collect_builds_a_loadable_suite(micro_run, tmp_path):
    settings, _ = micro_run
    decl = {
        "name": "micro", "data": "micro.csv", "id_column": "model_id",
        "config_columns": ["objective", "data_mixture", "learning_rate", "domain_tagging", "length_filter"],
        "proxies": {"ppl_clm": "ppl_clm", "ppl_sc": "ppl_sc", "kshot_cms": "kshot_cms",
                    "kshot_rag": "kshot_rag_acc", "kshot_cbqa": "kshot_cbqa_acc"},
        "harness_keys": {"kshot_rag": "kshot_rag_acc", "kshot_cbqa": "kshot_cbqa_acc"},
        "tasks": {t: f"sft_{t}" for t in ("cms", "rag", "cbqa")},
        "label_score": {"cms": "gold_loglik", "rag": "gold_loglik", "cbqa": "em"},
        "tables": {"seeds": "micro_seeds.csv", "checkpoints": "micro_checkpoints.csv"},
    }  # fmt: skip
    (tmp_path / "micro.yaml").write_text(yaml.safe_dump(decl))
    collect_suite("micro", settings.records, tmp_path)
    suite = load_suite(tmp_path / "micro.yaml")
    assert suite.model_ids == ["1", "6"]
    rec = load_records("micro", 0, settings.records)[1]
    assert suite.scores("cms")["6"] == pytest.approx(rec["sft"]["cms"]["gold_loglik"])
    assert suite.scores("cbqa")["6"] == pytest.approx(rec["sft"]["cbqa"]["em"])
    assert len(suite.table("checkpoints")) == 8 and len(suite.table("seeds")) == 2
    assert "sft_cms_gold_prob" in suite.models and "sft_cms_em" not in suite.models  # em: None for CMS
    stale = tmp_path / "stale"
    shutil.copytree(Path(settings.records), stale)
    old = json.loads((stale / "micro/seed0/v06.json").read_text())
    del old["sft"]["cms"]["gold_loglik"]
    (stale / "micro/seed0/v06.json").write_text(json.dumps(old))
    with pytest.raises(SftcastError, match="cms label .gold_loglik. is missing from the record of variant 6"):
        collect_suite("micro", stale, tmp_path)
    # The "What replicates" question 4 swaps in the proxies of an intermediate checkpoint.

    early = checkpoint_suite(suite, 0.25)
    quarter = rec["checkpoints"][min(rec["checkpoints"], key=int)]["proxies"]
    assert early.models.set_index("model_id").loc["6", "ppl_clm"] == pytest.approx(quarter["ppl_clm"])
    # ... through the suite's harness_keys, as the final proxies are.
    assert early.models.set_index("model_id").loc["6", "kshot_rag"] == pytest.approx(quarter["kshot_rag_acc"])
    assert suite.models.set_index("model_id").loc["6", "ppl_clm"] == pytest.approx(rec["proxies"]["ppl_clm"])


def test_seed_noise_hand_case():
    # Two variants far apart, seed noise 0.1 each: spread std(0.05, 1.05) = 0.707; noise = 0.0707.
    frame = pd.DataFrame({"variant": [1, 1, 2, 2], "seed": [0, 1, 0, 1], "score": [0.0, 0.1, 1.0, 1.1]})
    out = seed_noise(frame)
    assert out["spread"] == pytest.approx(0.70711, abs=1e-4)
    assert out["seed_std"] == pytest.approx(0.070711, abs=1e-5)
    assert out["ratio"] == pytest.approx(10.0) and out["passes_bar"]
    assert out["label_flip_rate"] == 0.0


def test_label_flips_counted():
    # Seed 1 reverses the order of variants 1 and 2 and keeps 3 on top: 1 of 3 pairs flips.
    frame = pd.DataFrame(
        {"variant": [1, 2, 3] * 2, "seed": [0, 0, 0, 1, 1, 1], "score": [0.1, 0.2, 0.9, 0.2, 0.1, 0.9]}
    )
    out = seed_noise(frame)
    assert out["label_flip_rate"] == pytest.approx(1 / 3) and out["n_flip_pairs"] == 3


def test_noise_table_from_a_seeds_table():
    seeds = pd.DataFrame(
        {
            "model_id": ["1", "1", "2", "2"], "seed": [0, 1, 0, 1],
            "sft_cms": [0.1, 0.2, 0.5, 0.6], "sft_cms_acc": [0.1, 0.2, 0.5, 0.6], "sft_cms_em": [None] * 4,
        }
    )  # fmt: skip
    table = noise_table(seeds, {"cms": "acc"})
    assert list(table["score"]) == ["acc"] and list(table["is_label"]) == [True]
    assert table.loc[0, "ratio"] == pytest.approx(seed_noise(
        pd.DataFrame({"variant": [1, 1, 2, 2], "seed": [0, 1, 0, 1], "score": [0.1, 0.2, 0.5, 0.6]})
    )["ratio"])  # fmt: skip


def test_noise_without_repeated_seeds_is_not_a_number():
    out = seed_noise(pd.DataFrame({"variant": [1, 2], "seed": [0, 0], "score": [0.1, 0.5]}))
    assert out["n_repeated"] == 0 and np.isnan(out["ratio"]) and not out["passes_bar"]


def test_git_commit_of_a_record(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["git", "config", "user.email", "t@example.org"], check=True)
    subprocess.run(["git", "config", "user.name", "t"], check=True)
    (tmp_path / "other.txt").write_text("staged but not part of the record commit")
    subprocess.run(["git", "add", "other.txt"], check=True)
    (tmp_path / "v01.json").write_text("{}")
    assert _git_commit("v01.json", "record") is None
    log = subprocess.run(["git", "show", "--stat", "--format=%s"], capture_output=True, text=True).stdout
    assert "v01.json" in log and "other.txt" not in log
    assert _git_commit("missing.json", "record", tries=1).startswith("could not commit missing.json")


def _seeds(acc: list[float | None], loglik: list[float]) -> pd.DataFrame:
    """Three variants (seed 0) and their seed-1 reruns, in that order."""
    return pd.DataFrame(
        {"model_id": ["1", "2", "3"] * 2, "seed": [0, 0, 0, 1, 1, 1],
         "sft_cms": acc, "sft_cms_acc": acc, "sft_cms_gold_loglik": loglik}
    )  # fmt: skip


def test_noise_edge_cases_are_stated_not_crashed():
    from benchmark.analysis.plots import noise_figure

    # seeds that agree exactly: infinite ratio, and that passes the bar
    exact = noise_table(_seeds([0.1, 0.5, 0.9] * 2, [1.0, 2.0, 3.0] * 2), {"cms": "acc"})
    assert exact.loc[0, "ratio"] == float("inf") and exact.loc[0, "passes_bar"]
    assert "above the 3× quality bar" in noise_summary("s", exact)
    # a label score that is not a mapping (zeng2025 describes it in words): no label row, no figure
    words = noise_table(_seeds([0.1, 0.5, 0.9, 0.2, 0.4, 0.8], [1.0] * 6), "paper's metrics")
    assert not words["is_label"].any() and label_rows(words).empty
    assert "unknown" in noise_summary("s", words)
    with pytest.raises(SftcastError, match="nothing to plot"):
        noise_figure(_seeds([0.1] * 6, [1.0] * 6), words)
    # the label kind has no rerun while another kind has: no label row to plot either
    half = noise_table(_seeds([0.1, 0.5, 0.9, None, None, None], [1, 2, 3, 1.5, 2.5, 3.5]), {"cms": "acc"})
    assert label_rows(half).empty and "unknown" in noise_summary("s", half)
    # one rerun variant: a noise estimate but no pair to flip
    one = noise_table(_seeds([0.1, 0.5, 0.9, 0.2, None, None], [1.0] * 6), {"cms": "acc"})
    assert "n/a (cms)" in noise_summary("s", one) and "n/a of 0" in format_noise(one)
    # a task whose label score has no reruns is named, not counted as passing
    both = noise_summary("s", exact, ["cms", "rag"])
    assert "unknown in rag" in both and "every task with reruns" in both


def test_label_kind_reads_the_suite_yaml_and_rejects_an_unknown_kind(monkeypatch):
    typo = {"label_score": {"cms": "gold_probability"}}
    monkeypatch.setattr(runner, "suite_declaration", lambda suite: typo)
    with pytest.raises(SftcastError, match="label_score of 'cms' is 'gold_probability'; known: acc, em"):
        label_kind("x", "cms")
    monkeypatch.setattr(runner, "suite_declaration", lambda suite: {"label_score": "paper's metrics"})
    assert label_kind("x", "cms") is None  # described in words (zeng2025): nothing to check


def test_suite_run_writes_the_shipped_tables_only_for_a_complete_default_run(tmp_path, capsys):
    """With every tiny record committed, a partial or relocated run has nothing to do and must
    not overwrite the shipped tables."""

    decl, tiny = suite_declaration("tiny"), RunSettings(suite="tiny")
    for variants, seeds in ((range(1, 51), [0]), (decl["noise_variants"], decl["noise_seeds"])):
        assert pending(tiny, list(variants), seeds) == [] and outdated(tiny, list(variants), seeds) == []

    before = (SUITES_DIR / "tiny.csv").stat().st_mtime_ns
    assert main(["produce", "run", "--preset", "tiny", "--variants", "1-3", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "0 record(s) written" in out and "wrote" not in out  # 3 of 50 variants: no tables
    shutil.copytree(RECORDS_DIR / "tiny", tmp_path / "tiny")
    assert main(["produce", "run", "--preset", "tiny", "--jobs", "1", "--records", str(tmp_path)]) == 0
    assert "wrote" not in capsys.readouterr().out  # not the default records folder: no tables
    assert (SUITES_DIR / "tiny.csv").stat().st_mtime_ns == before
