"""``sftcast submit verify``: predictions reproduced from the submission's code (issue #16, part 4)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest_leaderboard import SUBMISSIONS

from benchmark.cli import main
from benchmark.core.errors import SftcastError
from leaderboard.app import leaderboard_frame
from leaderboard.store import ResultsStore
from leaderboard.submission import SubmissionMeta
from leaderboard.verify import check_requirements, reproduce

LTC = {
    "predictor": "benchmark.core.predictors.ltc:LearningToCompare",
    "params": {"estimator": "lightgbm"},
    "requirements": ["lightgbm>=4.0"],
}


def _copy(tmp_path: Path, name: str, meta_update: dict, table: pd.DataFrame | None = None) -> Path:
    """ltc_lightgbm's zeng2025 predictions (or ``table``) under ``name`` with extra metadata."""
    folder = tmp_path / name
    folder.mkdir()
    if table is None:
        shutil.copy(SUBMISSIONS / "ltc_lightgbm" / "zeng2025.parquet", folder)
    else:
        table.to_parquet(folder / "zeng2025.parquet", index=False)
    meta = yaml.safe_load((SUBMISSIONS / "ltc_lightgbm" / "submission.yaml").read_text())
    meta.update(name=name, **meta_update)
    (folder / "submission.yaml").write_text(yaml.safe_dump(meta))
    return folder


@pytest.mark.slow
def test_verify_marks_ltc_lightgbm_reproduced_and_refuses_a_tampered_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "r.sqlite")
    good = _copy(tmp_path, "ltc_lightgbm", LTC)
    assert main(["submit", "score", str(good), "--db", db]) == 0
    assert main(["submit", "verify", str(good), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "ltc_lightgbm: reproduced by benchmark.core.predictors.ltc:LearningToCompare" in out

    table = pd.read_parquet(SUBMISSIONS / "ltc_lightgbm" / "zeng2025.parquet")
    table.loc[7, "prob_a_better"] = min(1.0, table.loc[7, "prob_a_better"] + 0.01) or 0.01
    bad = _copy(tmp_path, "tampered", LTC, table)
    assert main(["submit", "score", str(bad), "--db", db]) == 0  # a valid table, scored as usual
    assert main(["submit", "verify", str(bad), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "1 of 11400 predictions differ from the code's by more than 1e-06" in err

    entries = {e.name: e for e in ResultsStore(db).entries()}
    assert entries["ltc_lightgbm"].reproduced["predictor"] == LTC["predictor"]
    assert len(entries["ltc_lightgbm"].reproduced["code_sha256"]) == 64
    assert entries["tampered"].reproduced is None
    board = leaderboard_frame(list(entries.values()), reproduced_only=True)
    assert board["Submission"].tolist() == ["ltc_lightgbm"]
    assert board["Reproduced"].iloc[0].startswith("✓ ")


def test_verify_refuses_what_it_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(SftcastError, match="names no 'predictor"):
        reproduce(_copy(tmp_path, "nocode", {"predictor": ""}))
    with pytest.raises(SftcastError, match="is not installed; run: pip install"):
        reproduce(_copy(tmp_path, "needs", {**LTC, "requirements": ["surely-not-a-package-xyz>=1"]}))
    with pytest.raises(SftcastError, match="is not met"):
        check_requirements(["pandas<1"])
    with pytest.raises(SftcastError, match="did not finish within"):
        reproduce(_copy(tmp_path, "slow", LTC), timeout_s=0.5)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"predictor": "os.system; rm"}, "'predictor' must be 'module:Class'"),
        ({"predictor": "m:C", "params": [1]}, "'params' must be a mapping"),
        ({"params": {"a": 1}}, "need a 'predictor'"),
        ({"predictor": "m:C", "requirements": [3]}, "'requirements' must be"),
    ],
)
def test_code_fields_are_checked(doc: dict, message: str) -> None:
    with pytest.raises(SftcastError, match=message):
        SubmissionMeta.from_dict({"name": "x", **doc})


def test_code_fields_round_trip_and_stay_out_when_unset() -> None:
    meta = SubmissionMeta.from_dict({"name": "x", **LTC, "requirements": "lightgbm>=4.0"})
    assert meta.to_dict()["params"] == {"estimator": "lightgbm"}
    assert meta.requirements == ["lightgbm>=4.0"]
    assert "predictor" not in SubmissionMeta.from_dict({"name": "x"}).to_dict()
