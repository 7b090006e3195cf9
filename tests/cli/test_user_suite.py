"""A suite a user writes (YAML + CSV in a temporary folder) goes through validate, evaluate, report and
dataset build with no code change; malformed declarations get one clear line each."""

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.core.pairs import suite_pairs
from benchmark.core.schema import load_suite

YAML = """\
# My lab's checkpoints, fine-tuned on two tasks.
name: mylab
data: checkpoints.csv
id_column: checkpoint
tasks:
  math: accuracy_math                        # higher is better (the default)
  code: {label: loss_code, direction: lower, optional: true}
signals:
  zero_shot_loss: {column: "zs_{task}", direction: lower, optional: true}
probes:
  loss: {points: {100: "loss_{task}_100", 400: "loss_{task}_400", 800: "loss_{task}_800"}}
budget: {total: 3200, default: 1/4}
features:
  lr: {kind: numeric}
  arch: {kind: categorical}
"""


def _frame(n: int = 14) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    quality = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "checkpoint": [f"ckpt-{k:02d}" for k in range(n)],
            "lr": np.round(10.0 ** rng.uniform(-4, -3, n), 6),
            "arch": ["dense" if k % 3 else "moe" for k in range(n)],
            "accuracy_math": np.round(50 + 5 * quality + rng.normal(size=n), 2),
            "loss_code": np.round(2.0 - 0.2 * quality + 0.05 * rng.normal(size=n), 4),
        }
    )
    for task, sign in (("math", -0.1), ("code", -0.2)):
        frame[f"zs_{task}"] = np.round(3.0 + sign * quality + 0.2 * rng.normal(size=n), 4)
        for n_ex, scale in ((100, 0.3), (400, 0.2), (800, 0.1)):
            frame[f"loss_{task}_{n_ex}"] = np.round(2.5 + sign * quality + scale * rng.normal(size=n), 4)
    frame.loc[4, "loss_code"] = np.nan  # a model without a code label
    frame.loc[7, "zs_math"] = np.nan  # a missing signal value
    return frame


@pytest.fixture()
def user_suite(tmp_path):
    _frame().to_csv(tmp_path / "checkpoints.csv", index=False)
    (tmp_path / "mylab.yaml").write_text(YAML)
    return tmp_path / "mylab.yaml"


def test_validate_evaluate_and_build(user_suite, tmp_path, capsys):
    assert main(["suites", "validate", str(user_suite)]) == 0
    out = capsys.readouterr().out
    assert "ok: suite 'mylab'" in out and "task code: lower is better, 78 pairs, 1 model(s) without" in out
    assert "signal zero_shot_loss: per task, lower is better, 1 missing value(s)" in out

    suite = load_suite(user_suite)
    pairs = suite_pairs(suite, "code")
    assert len(pairs) == 13 * 12 // 2 and "ckpt-04" not in set(pairs["model_a"]) | set(pairs["model_b"])
    assert ((pairs["label"] == 1) == (pairs["score_a"] < pairs["score_b"])).all()  # lower is better

    assert (
        main(["evaluate", "--suite", str(user_suite), "--predictor", "zero_shot_loss", "--format", "json"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["budget"] == "1/4" and result["tasks"]["code"]["models_without_label"] == 1
    assert result["tasks"]["code"]["n_pairs"] == 78 and result["tasks"]["math"]["n_pairs"] == 91
    assert result["tasks"]["code"]["accuracy"] > 0.6  # the zero-shot loss tracks quality here
    assert main(["evaluate", "--suite", str(user_suite), "--predictor", "ltc_meta", "--protocol", "splits",
                 "--budget", "1/8"]) == 0  # fmt: skip
    assert "budget 1/8" in capsys.readouterr().out

    assert main(["dataset", "build", "--suite", str(user_suite), "--out", str(tmp_path / "ds")]) == 0
    from datasets import load_dataset

    built = load_dataset(str(tmp_path / "ds"), "mylab_pairs", split="train").to_pandas()
    assert built.groupby("task").size().to_dict() == {"code": 78, "math": 91}
    assert load_dataset(str(tmp_path / "ds"), split="train").num_rows == 78 + 91  # default: its pairs


@pytest.mark.slow
def test_report_on_a_user_suite(user_suite, tmp_path, capsys):
    assert main(["report", "--suite", str(user_suite), "--out", str(tmp_path / "report")]) == 0
    report = (tmp_path / "report" / "report.md").read_text()
    assert "code: 1" in report and "| ltc_meta |" in report and "| subtuning |" in report
    assert "| ats |" in report and "- `ppl_sc`: predictor 'ppl_sc' cannot serve suite 'mylab'" in report
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    assert results["splits"]["ltc_meta"]["tasks"]["code"]["models_without_label"] == 1


MALFORMED = {
    "unknown_key": (YAML.replace("signals:", "signal:"), r"mylab\.yaml: line 8: signal: unknown key"),
    "bad_direction": (
        YAML.replace("direction: lower, optional", "direction: down, optional"),
        r"line 7: tasks\.code\.direction: direction must be 'higher' or 'lower', got 'down'",
    ),
    "no_data_key": (YAML.replace("data: checkpoints.csv\n", ""), r"lacks the key 'data'"),
    "data_not_found": (
        YAML.replace("checkpoints.csv", "nope.csv"),
        r"suite data file not found: .*nope\.csv",
    ),
    "label_column_missing": (
        YAML.replace("math: accuracy_math", "math: acc_math"),
        r"checkpoints\.csv: missing column\(s\) 'acc_math'",
    ),
    "probes_without_budget": (
        YAML.replace("budget: {total: 3200, default: 1/4}\n", ""),
        r"line 11: probes\.loss: probes need 'budget: \{total: N\}'",
    ),
    "bad_feature_kind": (
        YAML.replace("kind: categorical", "kind: text"),
        r"line 15: features\.arch\.kind: kind must be 'numeric' or 'categorical', got 'text'",
    ),
    "bad_budget": (
        YAML.replace("default: 1/4", "default: 4"),
        r"line 12: budget\.default: a budget is a fraction",
    ),
    "invalid_yaml": (YAML.replace("tasks:\n", "tasks: [\n"), r"mylab\.yaml: line \d+: not valid YAML"),
    "probe_point_not_a_number": (
        YAML.replace("100: ", "hundred: "),
        r"line 11: probes\.loss\.points\.hundred: probe points are positive example counts",
    ),
    "signals_as_a_list": (
        YAML.replace('signals:\n  zero_shot_loss: {column: "zs_{task}", direction: lower, optional: true}',
                     "signals: [zs_math, zs_code]"),
        r"line 8: signals: expected a mapping of name -> column, not a list",
    ),  # fmt: skip
    "probes_as_text": (
        YAML.replace('probes:\n  loss: {points: {100: "loss_{task}_100", 400: "loss_{task}_400", '
                     '800: "loss_{task}_800"}}', "probes: loss_{task}_100"),
        r"line 10: probes: expected a mapping of name -> column, not a str",
    ),  # fmt: skip
    "proxies_as_text": (
        YAML.replace("budget:", "proxies: zs_math\nbudget:"),
        r"line \d+: proxies: expected a mapping of name -> column, not a str",
    ),
}
BAD_DATA = {
    "text_in_label": (
        ("accuracy_math", 5, "n/a"),
        r"checkpoints\.csv: line 7, column 'accuracy_math': "
        r"expected a finite number, got 'n/a'",
    ),  # fmt: skip
    "empty_non_optional": (
        ("loss_math_400", 2, None),
        r"checkpoints\.csv: line 4, column 'loss_math_400': expected a finite number, got nan; "
        r"declare probe 'loss' optional",
    ),
    "duplicated_id": (
        ("checkpoint", 9, "ckpt-01"),
        r"line 11: duplicated model id 'ckpt-01' \(first on line 3\)",
    ),
}


def _one_line_error(path, capsys, pattern):
    assert main(["suites", "validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    assert re.search(pattern, err), err


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_declaration_gets_one_clear_line(case, tmp_path, capsys):
    text, pattern = MALFORMED[case]
    _frame().to_csv(tmp_path / "checkpoints.csv", index=False)
    (tmp_path / "mylab.yaml").write_text(text)
    _one_line_error(tmp_path / "mylab.yaml", capsys, pattern)


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_malformed_data_gets_one_clear_line(case, tmp_path, capsys):
    (column, row, value), pattern = BAD_DATA[case]
    frame = _frame().astype({column: object})
    frame.loc[row, column] = value
    frame.to_csv(tmp_path / "checkpoints.csv", index=False)
    (tmp_path / "mylab.yaml").write_text(YAML)
    _one_line_error(tmp_path / "mylab.yaml", capsys, pattern)


def test_docs_example_is_the_tested_one():
    """The worked example of docs/bring_your_own_suite.md declares this very suite."""

    doc = (Path(__file__).parents[2] / "docs" / "bring_your_own_suite.md").read_text()
    assert textwrap.dedent(YAML).strip() in doc
