"""The command line: help everywhere, JSON results, and one clear line for every bad input."""

import json
import subprocess
import sys

import pytest

from benchmark.cli import build_parser, main

PY = [sys.executable, "-m", "benchmark.cli"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PY, *args], capture_output=True, text=True, timeout=300)


def _commands(parser, prefix=()):
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in action.choices.items():
            yield (*prefix, name)
            yield from _commands(sub, (*prefix, name))


@pytest.mark.parametrize("command", list(_commands(build_parser())))
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    assert "usage: sftcast" in capsys.readouterr().out


def test_evaluate_json_has_accuracy_and_std(capsys):
    assert main(["evaluate", "--suite", "zeng2025", "--predictor", "kshot_rag", "--protocol", "splits",
                 "--format", "json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    for task in ("cms", "rag", "cbqa"):
        assert 0.6 < result["tasks"][task]["accuracy"] < 0.85
        assert result["tasks"][task]["accuracy_std"] > 0
    assert result["predictor"]["name"] == "kshot_rag"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evaluate", "--suite", "nope", "--predictor", "ppl_sc"], "unknown suite 'nope'"),
        (["evaluate", "--predictor", "ppl_sx"], "unknown predictor 'ppl_sx'; did you mean"),
        (["evaluate", "--predictor", "ltc_lightgbm"], "supervised"),
        (["evaluate", "--predictor", "os:getcwd_nope"], "has no attribute"),
        (
            ["dataset", "push", "--repo-id", "x/y", "--folder", "/nonexistent", "--dry-run"],
            "not a built dataset",
        ),
    ],
)
def test_bad_input_is_one_line_and_nonzero(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_suite_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("model_id,ppl_clm\n1,0.3\n")
    proc = run("evaluate", "--suite", str(bad), "--predictor", "ppl_clm")
    assert proc.returncode == 2 and "broken.csv: missing column" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_report_writes_tables_and_plots(tmp_path):
    proc = run("report", "--suite", "zeng2025", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "report.md").read_text()
    assert "Table 1" in text and "Table 2" in text and "Cross-task" in text and "What replicates" in text
    for png in ("gap_quintiles.png", "topk_recall.png"):
        assert (tmp_path / png).stat().st_size > 10_000


def test_dataset_build_command(tmp_path):
    proc = run("dataset", "build", "--out", str(tmp_path / "ds"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "ds" / "data" / "zeng2025" / "pairs.parquet").exists()
