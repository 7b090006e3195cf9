import pandas as pd
import pytest

from benchmark.core.errors import SftcastError
from benchmark.core.schema import list_suites, load_suite

ZENG_CSV = load_suite("zeng2025").source


def test_zeng2025_loads_with_canonical_columns():
    suite = load_suite("zeng2025")
    assert "zeng2025" in list_suites()
    assert len(suite.models) == 50 and suite.model_ids[:2] == ["1", "2"]
    assert suite.proxies == ["ppl_clm", "ppl_sc", "kshot_cms", "kshot_rag", "kshot_cbqa"]
    assert suite.tasks == ["cms", "rag", "cbqa"]
    row = suite.models.set_index("model_id").loc["4"]
    assert row["sft_cbqa"] == pytest.approx(0.150) and row["ppl_clm"] == pytest.approx(0.389)
    assert row["objective"] == "CLM"


def _write(tmp_path, frame: pd.DataFrame):
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


def test_missing_column_names_file(tmp_path):
    frame = _canonical(tmp_path).drop(columns=["sft_rag"])
    with pytest.raises(SftcastError, match=r"bad\.csv: missing column\(s\) 'sft_rag'"):
        load_suite(_write(tmp_path, frame))


def _canonical(tmp_path) -> pd.DataFrame:
    return pd.read_csv(ZENG_CSV).rename(columns={"ppl_clm_inv": "ppl_clm", "ppl_sc_inv": "ppl_sc"})


def test_duplicated_id_names_row(tmp_path):
    frame = _canonical(tmp_path)
    frame.loc[5, "model_id"] = 3
    with pytest.raises(SftcastError, match=r"bad\.csv: line 7: duplicated model id '3' \(first on line 4\)"):
        load_suite(_write(tmp_path, frame))


@pytest.mark.parametrize("value", ["nan", "inf", "abc", ""])
def test_non_finite_score_names_row_and_column(tmp_path, value):
    frame = _canonical(tmp_path).astype({"sft_rag": object})
    frame.loc[9, "sft_rag"] = value
    with pytest.raises(SftcastError, match=r"bad\.csv: line 11, column 'sft_rag': expected a finite number"):
        load_suite(_write(tmp_path, frame))


def test_unknown_suite_suggests():
    with pytest.raises(SftcastError, match="did you mean 'zeng2025'"):
        load_suite("zeng2052")


def test_canonical_csv_loads(tmp_path):
    suite = load_suite(_write(tmp_path, _canonical(tmp_path)))
    assert suite.name == "bad" and len(suite.models) == 50
