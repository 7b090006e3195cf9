"""Model-level paired bootstrap, rank ranges and ``submit compare`` (issue #16, part 2)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest_leaderboard import seeded_db

from benchmark.cli import main
from leaderboard.app import RANK_RANGE, _cells, leaderboard_frame
from leaderboard.ranking import (
    bootstrap_accuracies,
    cached_mean_rank_ranges,
    compare,
    decode_credits,
    rank_ranges,
)
from leaderboard.store import Entry, ResultsStore


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ResultsStore:
    return ResultsStore(seeded_db(tmp_path_factory.mktemp("ranking")))


def test_credits_round_trip_to_the_stored_accuracy(store: ResultsStore) -> None:
    """The stored credits rebuild every cell's accuracy exactly (one draw with each model once)."""
    credits = store.credits("splits")
    for entry in store.entries():
        for suite, by_protocol in entry.results.items():
            blob = decode_credits(credits[entry.name][suite])
            assert list(blob["models"]) and set(blob["credit2"].tolist()) <= {0, 1, 2}
            for task, res in by_protocol["splits"]["tasks"].items():
                point = bootstrap_accuracies({entry.name: credits[entry.name]}, [(suite, task)], unit=True)
                assert point[entry.name][0] == pytest.approx(res["accuracy"], abs=1e-12)


def test_resampling_models_is_wider_than_resampling_pairs(store: ResultsStore) -> None:
    """ltc_lightgbm on tiny: pooled pairs give ~±0.013 per task, the model bootstrap far more."""
    entry = store.get("ltc_lightgbm")
    credits = store.credits("splits")
    for task, res in entry.results["tiny"]["splits"]["tasks"].items():
        boot = bootstrap_accuracies({"ltc_lightgbm": credits["ltc_lightgbm"]}, [("tiny", task)])
        lo, hi = np.quantile(boot["ltc_lightgbm"], [0.025, 0.975])
        pooled = res["ci95"][1] - res["ci95"][0]
        assert hi - lo > 2 * pooled
        assert lo < res["accuracy"] < hi


PAPER_SUITES = ("zeng2025", "tiny")  # the suites every built-in LTC covers


def test_overlapping_builtins_share_a_rank_group(store: ResultsStore) -> None:
    entries = store.entries()
    cells = [c for c in _cells(entries, "splits") if c[0] in PAPER_SUITES]
    ranks = rank_ranges(bootstrap_accuracies(store.credits("splits"), cells))
    acc = {
        e.name: np.mean([r["accuracy"] for s in e.results.values() for r in s["splits"]["tasks"].values()])
        for e in entries
    }  # the two LTCs compared cover exactly the paper suites
    # ltc_mlp and ltc_logreg: different means, overlapping intervals, one rank group
    a, b = "ltc_mlp", "ltc_logreg"
    assert acc[a] != acc[b]
    assert ranks.ci95[a][0] < ranks.ci95[b][1] and ranks.ci95[b][0] < ranks.ci95[a][1]
    assert ranks.best[a] == ranks.best[b]
    # while the top supervised method is better than the random baseline, with no overlap in rank
    assert ranks.worst["ltc_lightgbm"] < ranks.best["random"]
    board = leaderboard_frame(
        entries, suites=list(PAPER_SUITES), credits=store.credits("splits"), order="mean accuracy"
    )
    board = board.set_index("Submission")
    assert board.loc[a, RANK_RANGE].split("–")[0] == board.loc[b, RANK_RANGE].split("–")[0]
    assert board.loc["ltc_lightgbm", "CI95"] == "[{:.3f}, {:.3f}]".format(*ranks.ci95["ltc_lightgbm"])


def test_paired_comparison_is_antisymmetric(store: ResultsStore) -> None:
    cells = _cells(store.entries(), "splits")
    credits = store.credits("splits")
    ab = compare(credits, "ltc_lightgbm", "ppl_clm", cells)
    ba = compare(credits, "ppl_clm", "ltc_lightgbm", cells)
    assert ab.difference == pytest.approx(-ba.difference)
    assert ab.ci95[0] == pytest.approx(-ba.ci95[1]) and ab.prob_a_better == pytest.approx(
        1 - ba.prob_a_better
    )
    assert ab.ci95[0] > 0 and ab.prob_a_better > 0.99


def test_submit_compare_cli(store: ResultsStore, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(store.path)
    assert main(["submit", "compare", "ltc_mlp", "ltc_logreg", "--db", db, "--n-boot", "500"]) == 0
    out = capsys.readouterr().out
    assert "ltc_mlp - ltc_logreg: +0.0" in out and "95% CI [-" in out and "tied: the CI holds 0" in out
    assert "P(ltc_mlp beats ltc_logreg) = 0." in out
    assert main(["submit", "compare", "ltc_mlp", "nope", "--db", db]) == 2
    assert "no submission named 'nope'" in capsys.readouterr().err


def test_rank_ranges_of_a_clear_order() -> None:
    """Three submissions far apart get single ranks; two identical ones share a group."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=500) * 0.01
    boot = {"a": base + 0.9, "b": base + 0.5, "c": base + 0.5 + 1e-4 * rng.normal(size=500), "d": base}
    r = rank_ranges(boot)
    assert (r.best["a"], r.worst["a"]) == (1, 1)
    assert r.best["b"] == r.best["c"] == 2 and r.worst["b"] == r.worst["c"] == 3
    assert (r.best["d"], r.worst["d"]) == (4, 4)


def _entry(name: str, accs: dict[str, float]) -> Entry:
    results = {
        suite: {"splits": {"tasks": {"cms": {"accuracy": acc}}, "mean_accuracy": acc}}
        for suite, acc in accs.items()
    }
    return Entry(name, {}, False, results, "0" * 64)


def test_order_across_suites_is_not_decided_by_a_suite_s_difficulty() -> None:
    """P covers both suites; X only the easy one (last there), Y only the hard one (first there). A
    suite a submission does not cover ranks it after all that do, so P, good on both, leads."""
    entries = [
        _entry("P", {"easy": 0.95, "hard": 0.50}),
        _entry("X", {"easy": 0.90}),
        _entry("Y", {"hard": 0.55}),
    ]
    by_acc = leaderboard_frame(entries, extra=[], order="mean accuracy")
    assert by_acc["Submission"].tolist() == ["X", "P", "Y"]  # the easy suite decides
    board = leaderboard_frame(entries, extra=[])
    assert board["Submission"].tolist() == ["P", "Y", "X"]
    assert board["Mean rank"].tolist() == ["1.50", "2.00", "2.50"]  # X: 2 on easy, 3 (uncovered) on hard
    assert board.set_index("Submission").loc["P", ["Rank · easy", "Rank · hard"]].tolist() == ["1", "2"]
    # making the hard suite easier for everyone changes no rank
    easier = [
        _entry(
            e.name,
            {
                s: r["splits"]["tasks"]["cms"]["accuracy"] + (0.4 if s == "hard" else 0)
                for s, r in e.results.items()
            },
        )
        for e in entries
    ]
    assert leaderboard_frame(easier, extra=[])["Submission"].tolist() == ["P", "Y", "X"]
    one = leaderboard_frame(entries, suites=["easy"], extra=[])
    assert one["Submission"].tolist()[:2] == ["P", "X"] and "Rank · easy" not in one.columns


def test_mean_rank_ranges_use_the_same_draws(store: ResultsStore) -> None:
    entries = store.entries()
    cells = _cells(entries, "splits")
    r = cached_mean_rank_ranges(store.credits("splits"), cells)
    board = leaderboard_frame(entries, credits=store.credits("splits")).set_index("Submission")
    top = board.index[0]  # the first by mean rank (ltc_meta since lin2024 shipped)
    for name in (top, "ltc_lightgbm", "random"):
        best, worst = r.best[name], r.worst[name]
        assert board.loc[name, RANK_RANGE] == (str(best) if best == worst else f"{best}–{worst}")
        lo, hi = r.ci95[name]
        assert lo - 0.005 <= float(board.loc[name, "Mean rank"]) <= hi + 0.005  # shown to 2 decimals
    assert r.best[top] == 1 and r.worst["ltc_lightgbm"] < r.best["random"]


def test_detail_view_uses_the_model_level_interval_and_names_neighbours(store: ResultsStore) -> None:
    from leaderboard.app import detail_frame, neighbours_markdown

    credits = store.credits("splits")
    frame = detail_frame(store.get("ltc_mlp"), "tiny", "splits", credits["ltc_mlp"])
    assert "CI95 (resampling models)" in frame.columns
    pooled = detail_frame(store.get("ltc_mlp"), "tiny", "splits")
    assert "CI95 (pooled pairs)" in pooled.columns
    text = neighbours_markdown(store.entries(), credits, "ltc_mlp", "splits")
    board = leaderboard_frame(store.entries(), extra=[], order="mean accuracy")["Submission"].tolist()
    covers = {e.name: set(e.results) for e in store.entries()}
    near = [n for n in board if covers[n] & covers["ltc_mlp"]]
    above, below = near[near.index("ltc_mlp") - 1], near[near.index("ltc_mlp") + 1]
    assert f"vs `{above}`: -0.0" in text and f"vs `{below}`: +0.0" in text
    assert f"P(ltc_mlp beats {below}) = 0." in text


def test_mean_rank_draws_with_a_suite_no_shown_submission_covers() -> None:
    """A suite whose cells none of the shown submissions covers ranks them all alike there."""
    from leaderboard.ranking import mean_rank_draws

    draws = mean_rank_draws({"a": {"x": np.array([0.9, 0.8]), "y": np.array([0.5, 0.6])}, "b": {}})
    assert draws["x"].tolist() == [1.0, 1.0] and draws["y"].tolist() == [1.5, 1.5]
