"""Submissions: the committed folders score as expected; every bad input gets its own message
and leaves the store unchanged."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest_leaderboard import SUBMISSIONS, make_zip, seeded_db, submission_zip

from benchmark import list_predictors, load_suite
from benchmark.cli import main
from benchmark.core.errors import SftcastError
from leaderboard import submission as sub_mod
from leaderboard.app import MISSING, leaderboard_frame, submit_zip
from leaderboard.store import ResultsStore
from leaderboard.submission import check_name, extract_zip, load_submission, score_submission

BASE = pd.read_parquet(SUBMISSIONS / "ppl_sc" / "zeng2025.parquet")


@pytest.fixture
def store(tmp_path: Path) -> ResultsStore:
    return ResultsStore(seeded_db(tmp_path / "db"))


@pytest.mark.slow
def test_every_builtin_predictor_is_committed_and_seeded(store: ResultsStore) -> None:
    assert set(list_predictors()) <= {p.name for p in SUBMISSIONS.iterdir() if p.is_dir()}
    assert set(list_predictors()) <= set(store.names())
    board = leaderboard_frame(store.entries())
    rank = dict(zip(board["Submission"], board["Rank"], strict=True))
    assert rank["ltc_lightgbm"] < rank["ppl_clm"]
    assert list(board["Rank"]) == list(range(1, len(board) + 1))
    mean_rank = [float(a) for a in board["Mean rank"]]  # the default order (#14: across suites)
    assert mean_rank == sorted(mean_rank)


def test_supervised_has_splits_only_unsupervised_has_both(store: ResultsStore) -> None:
    assert set(store.get("ltc_lightgbm").results["zeng2025"]) == {"splits"}
    assert set(store.get("ppl_sc").results["zeng2025"]) == {"splits", "all-pairs"}


def test_submit_predict_round_trip_csv(tmp_path: Path) -> None:
    assert (
        main(
            [
                "submit",
                "predict",
                "--predictor",
                "kshot_rag",
                "--name",
                "mine",
                "--out",
                str(tmp_path),
                "--format",
                "csv",
                "--authors",
                "A. Person",
            ]
        )
        == 0
    )
    entry = score_submission(load_submission(tmp_path / "mine"))
    committed = score_submission(load_submission(SUBMISSIONS / "kshot_rag"))
    assert entry.meta["authors"] == ["A. Person"]
    for protocol in ("splits", "all-pairs"):
        got = entry.results["zeng2025"][protocol]["mean_accuracy"]
        assert got == pytest.approx(committed.results["zeng2025"][protocol]["mean_accuracy"], abs=1e-9)
    db = tmp_path / "r.sqlite"
    assert main(["submit", "score", str(tmp_path / "mine"), "--db", str(db)]) == 0
    assert main(["submit", "score", str(tmp_path / "mine"), "--db", str(db)]) == 2  # name taken: refused
    # one result per covered suite and protocol (splits and all-pairs)
    assert ResultsStore(db).check_integrity() == {"submissions": 1, "results": 2 * len(entry.results)}


def _drop(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns="prob_a_better")


def _set(col: str, value: object, row: int = 0):
    def f(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df[col] = df[col].astype(object) if isinstance(value, str) else df[col]
        df.loc[row, col] = value
        return df

    return f


TABLE_CASES = {
    "missing column": (_drop, r"missing column\(s\) 'prob_a_better'"),
    "extra column": (lambda df: df.assign(note="x"), r"unexpected column\(s\) 'note'"),
    "unknown suite in rows": (_set("suite", "other"), r"unknown or other suite\(s\) 'other'"),
    "unknown task": (_set("task", "summarise"), r"unknown task 'summarise'"),
    "unknown model": (_set("model_a", "999"), r"unknown model id\(s\) '999'"),
    "missing pairs": (lambda df: df.iloc[5:], r"expected pair\(s\) are missing"),
    "duplicated pairs": (lambda df: pd.concat([df, df.iloc[:3]]), r"duplicated pair"),
    "NaN": (_set("prob_a_better", np.nan), r"NaN"),
    "inf": (_set("prob_a_better", np.inf), r"infinite"),
    "above 1": (_set("prob_a_better", 1.5), r"must lie in \[0, 1\]"),
    "below 0": (_set("prob_a_better", -0.1), r"must lie in \[0, 1\]"),
    "no all-pairs for unsupervised": (lambda df: df[df["split_seed"] >= 0], r"must also cover the all-pairs"),
    "bad split_seed, columns reordered": (
        lambda df: _set("split_seed", -2)(df)[list(reversed(df.columns))],
        r"split_seed must be -1 \(all-pairs\) or a split number, got -2",
    ),
}


@pytest.mark.parametrize("case", list(TABLE_CASES))
def test_bad_predictions_have_distinct_messages(case: str, store: ResultsStore, tmp_path: Path) -> None:
    mutate, pattern = TABLE_CASES[case]
    before = store.check_integrity()
    zip_path = submission_zip(tmp_path / "up.zip", name=f"bad-{len(case)}", table=mutate(BASE.copy()))
    with pytest.raises(SftcastError, match=pattern):
        submit_zip(store, str(zip_path))
    assert store.check_integrity() == before


def test_supervised_with_all_pairs_is_refused(store: ResultsStore, tmp_path: Path) -> None:
    zip_path = submission_zip(tmp_path / "up.zip", name="sneaky")
    with pytest.raises(SftcastError, match="supervised method cannot be scored on all-pairs"):
        submit_zip(store, str(zip_path), supervised="supervised")


def _zip_with_link(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("zeng2025.parquet")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return path


FILE_CASES = {
    "not a zip": (lambda p: (p.write_bytes(b"hello"), p)[1], {}, r"not a valid zip"),
    "empty zip": (lambda p: make_zip(p, {}), {}, r"zip is empty"),
    "zip-slip": (lambda p: make_zip(p, {"../../evil.csv": "x"}), {}, r"zip-slip"),
    "absolute path": (lambda p: make_zip(p, {"/tmp/evil.csv": "x"}), {}, r"zip-slip"),
    "symlink": (_zip_with_link, {}, r"symbolic link"),
    "odd file name": (lambda p: make_zip(p, {"zeng 2025;rm.csv": "x"}), {}, r"odd characters"),
    "unknown suite file": (
        lambda p: make_zip(p, {"nosuch.csv": "x"}),
        {"name": "ok"},
        r"unknown suite 'nosuch'",
    ),
    "unexpected file": (lambda p: make_zip(p, {"model.pkl": "x"}), {"name": "ok"}, r"unexpected file"),
    "no predictions": (lambda p: make_zip(p, {"submission.yaml": "name: ok\n"}), {}, r"no predictions file"),
    "bad yaml": (
        lambda p: make_zip(p, {"submission.yaml": "name: [", "zeng2025.csv": "x"}),
        {},
        r"not valid YAML",
    ),
    "python tag in yaml": (
        lambda p: make_zip(p, {"submission.yaml": "name: !!python/object/apply:os.system ['true']\n"}),
        {},
        r"not valid YAML",
    ),
    "empty name in yaml": (
        lambda p: make_zip(p, {"submission.yaml": "name:\n", "zeng2025.csv": "x"}),
        {},
        r"the field 'name' is required",
    ),
    "unknown yaml field": (
        lambda p: make_zip(p, {"submission.yaml": "name: a\nrun: x\n"}),
        {},
        r"unknown field",
    ),
    "unreadable table": (
        lambda p: make_zip(p, {"zeng2025.parquet": "not parquet"}),
        {"name": "ok"},
        r"cannot read as parquet",
    ),
    "name with path separator": (lambda p: submission_zip(p), {"name": "../evil"}, r"path separator"),
    "name with odd characters": (lambda p: submission_zip(p), {"name": "<script>"}, r"odd characters"),
    "name taken": (lambda p: submission_zip(p), {"name": "ppl_sc"}, r"already exists"),
    "bad url": (
        lambda p: submission_zip(p),
        {"name": "ok", "url": "javascript:alert(1)"},
        r"'url' must start",
    ),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_bad_uploads_have_distinct_messages(case: str, store: ResultsStore, tmp_path: Path) -> None:
    build, form, pattern = FILE_CASES[case]
    before = store.check_integrity()
    zip_path = build(tmp_path / "up.zip")
    with pytest.raises(SftcastError, match=pattern):
        submit_zip(store, str(zip_path), **form)
    assert store.check_integrity() == before


def test_size_limits(store: ResultsStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sub_mod, "MAX_FILE_BYTES", 1000)
    with pytest.raises(SftcastError, match=r"over the .* MB limit"):
        submit_zip(store, str(submission_zip(tmp_path / "up.zip", name="big")))
    monkeypatch.setattr(sub_mod, "MAX_ZIP_BYTES", 100)
    with pytest.raises(SftcastError, match=r"upload is .* over the .* MB limit"):
        submit_zip(store, str(submission_zip(tmp_path / "up2.zip", name="big")))
    assert "big" not in store.names()


def test_zip_in_one_folder_and_csv_are_accepted(store: ResultsStore, tmp_path: Path) -> None:
    zip_path = make_zip(tmp_path / "up.zip", {"zeng2025.csv": BASE.to_csv(index=False)}, folder="my-method")
    assert submit_zip(store, str(zip_path), name="my-method", authors="Ann, Bo") == "my-method"
    assert store.get("my-method").meta["authors"] == ["Ann", "Bo"]


def test_extract_zip_stays_inside(tmp_path: Path) -> None:
    zip_path = make_zip(tmp_path / "a.zip", {"submission.yaml": "name: a\n"}, folder="a")
    out = extract_zip(zip_path, tmp_path / "x")
    assert out == (tmp_path / "x" / "a").resolve()
    assert [p.name for p in out.iterdir()] == ["submission.yaml"]


@pytest.mark.parametrize("name", ["a/b", "a\\b", "..", "", "x" * 65, "naïve", "a b", "-lead"])
def test_check_name_refuses(name: str) -> None:
    with pytest.raises(SftcastError):
        check_name(name)


def test_uncovered_suite_shows_dash(store: ResultsStore) -> None:
    entries = store.entries()
    other = [e for e in entries if e.name == "ppl_sc"][0]
    other.results = {"zeng2025": other.results["zeng2025"], "second": other.results["zeng2025"]}
    board = leaderboard_frame(entries)
    row = board.set_index("Submission").loc["ltc_lightgbm"]
    assert row["second · cms"] == MISSING
    assert board.set_index("Submission").loc["ppl_sc", "second · cms"] != MISSING


def _seeded_pair(tmp_path: Path) -> tuple[Path, ResultsStore]:
    """Two built-in folders (ppl_clm, ppl_sc; zeng2025 only) and a store seeded from them."""

    from leaderboard.app import seed_store

    committed = tmp_path / "submissions"
    for name in ("ppl_clm", "ppl_sc"):
        (committed / name).mkdir(parents=True)
        for f in ("submission.yaml", "zeng2025.parquet"):
            shutil.copy(SUBMISSIONS / name / f, committed / name / f)
    store = ResultsStore(tmp_path / "r.sqlite")
    assert seed_store(store, committed) == ["ppl_clm", "ppl_sc"]
    return committed, store


def test_seed_store_updates_a_builtin_that_gained_a_suite_but_never_an_upload(tmp_path: Path) -> None:
    from leaderboard.app import seed_store

    committed, store = _seeded_pair(tmp_path)
    assert sorted(store.get("ppl_clm").results) == ["zeng2025"]
    assert seed_store(store, committed) == []  # unchanged folders are left alone
    # ppl_sc's name now belongs to an upload; then both built-in folders gain the tiny suite
    store.replace_committed(store.get("ppl_sc"))  # (a stored built-in, re-stored as is)
    upload = store.get("ppl_sc")
    with sqlite3.connect(tmp_path / "r.sqlite") as con:
        con.execute("UPDATE submissions SET source = 'upload' WHERE name = 'ppl_sc'")
    for name in ("ppl_clm", "ppl_sc"):
        shutil.copy(SUBMISSIONS / name / "tiny.parquet", committed / name / "tiny.parquet")
    assert seed_store(store, committed) == ["ppl_clm"]
    assert sorted(store.get("ppl_clm").results) == ["tiny", "zeng2025"]
    assert store.get("ppl_sc").results == upload.results  # the upload stays as it was
    assert store.check_integrity()["submissions"] == 2


def test_seed_store_rescores_builtins_scored_on_older_suite_data(tmp_path: Path) -> None:
    """A suite's labels re-measured (its digest changed): the stored built-in is scored again; an
    upload cannot be (its files are not kept), so the leaderboard names it instead. Results stored
    before digests were recorded: a built-in is scored again, an upload is not named."""

    from leaderboard.app import seed_store, stale_suites, stale_uploads_note, suite_digests

    committed, store = _seeded_pair(tmp_path)
    digests = suite_digests()
    assert digests["zeng2025"] == load_suite("zeng2025").digest()
    stored = store.get("ppl_clm").results["zeng2025"].values()
    assert {r["suite_digest"] for r in stored} == {digests["zeng2025"]}
    assert stale_suites(store.get("ppl_clm"), digests) == [] and stale_uploads_note(store.entries()) == ""

    def rewrite(digest: str | None) -> None:  # every stored result, as if scored against other labels
        with sqlite3.connect(tmp_path / "r.sqlite") as con:
            for row_id, text in con.execute("SELECT rowid, results_json FROM results").fetchall():
                result = {k: v for k, v in json.loads(text).items() if k != "suite_digest"}
                result |= {"suite_digest": digest} if digest else {}
                update = "UPDATE results SET results_json = ? WHERE rowid = ?"
                con.execute(update, (json.dumps(result), row_id))

    rewrite("0" * 64)  # both entries scored against older zeng2025 labels; ppl_sc's name is an upload's
    with sqlite3.connect(tmp_path / "r.sqlite") as con:
        con.execute("UPDATE submissions SET source = 'upload' WHERE name = 'ppl_sc'")
    assert stale_suites(store.get("ppl_clm"), digests) == ["zeng2025"]
    assert seed_store(store, committed) == ["ppl_clm"]  # the built-in, scored again
    assert stale_suites(store.get("ppl_clm"), digests) == []
    assert stale_suites(store.get("ppl_sc"), digests) == ["zeng2025"]
    assert "ppl_sc (zeng2025)" in stale_uploads_note(store.entries(), digests)
    assert seed_store(store, committed) == []  # nothing left to do; the upload stays as it was
    rewrite(None)  # stored before digests existed
    assert stale_uploads_note(store.entries(), digests) == ""  # nothing says the upload's labels differ
    assert seed_store(store, committed) == ["ppl_clm"]  # a built-in is simply scored again


def test_the_suite_digest_follows_the_labels_and_ppl_clm_only() -> None:
    suite = load_suite("tiny")
    before = suite.digest()
    suite.models["kshot_props"] = 0.5  # a signal scoring never reads
    assert suite.digest() == before
    suite.models.loc[0, "sft_cms"] += 0.01  # a label
    assert suite.digest() != before
