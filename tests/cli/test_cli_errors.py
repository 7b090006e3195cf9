"""Failures of proxies, rank, sft and pretrain reach users as one line naming the fix, never a
traceback; ``--debug`` or ``SFTCAST_DEBUG=1`` shows the traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from arch_models import save_arch

import benchmark.cli.harness as cli_harness
import benchmark.harness.checks as checks
from benchmark.cli import main  # noqa: E402
from benchmark.core.errors import SftcastError  # noqa: E402
from benchmark.harness.checks import check_causal_lm  # noqa: E402


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A data folder, and model folders that are wrong in one way each."""
    from transformers import BertConfig, T5Config

    root = tmp_path_factory.mktemp("errors")
    out = {"data": root / "data", "missing": root / "nothing", "not_lm": root / "notes", "t5": root / "t5",
           "bert": root / "bert", "corrupt": root / "corrupt", "alien": root / "alien"}  # fmt: skip
    out["data"].mkdir()
    out["not_lm"].mkdir()
    (out["not_lm"] / "README.md").write_text("my notes\n")
    T5Config(d_model=16, num_layers=1, num_heads=2, d_ff=32, vocab_size=64).save_pretrained(out["t5"])
    bert = BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    bert.architectures = ["BertForMaskedLM"]
    bert.save_pretrained(out["bert"])
    out["corrupt"].mkdir()
    (out["corrupt"] / "config.json").write_text('{"model_type": "gpt2", "n_embd": 32,\n')  # cut short
    out["alien"].mkdir()
    (out["alien"] / "config.json").write_text(json.dumps({"model_type": "no_such_arch_xyz"}))
    return out


def _one_line(capsys: pytest.CaptureFixture[str], expected: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("sftcast: error: ") and expected in err, err
    return err


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "not found: give a checkpoint folder or a Hub id"),
        ("not_lm", "has no config.json: not a transformers checkpoint folder"),
        ("t5", "is an encoder-decoder model (t5), not a causal LM: give a decoder-only checkpoint"),
        ("bert", "is a BertForMaskedLM checkpoint, not a causal LM"),
        ("corrupt", "config.json is not valid JSON"),
        ("alien", "does not load in transformers"),
    ],
)
def test_proxies_rank_sft_refuse_a_bad_model_in_one_line(
    folders: dict[str, Path], case: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    model, data = str(folders[case]), str(folders["data"])
    assert main(["proxies", "--model", model, "--data", data]) == 2
    _one_line(capsys, expected)
    assert main(["rank", "--models", model, model + "2", "--task", "cms", "--data", data]) == 2
    _one_line(capsys, f"cannot load model {model!r}")
    assert main(["produce", "sft", "--model", model, "--task", "cms", "--data", data]) == 2
    _one_line(capsys, expected)


def test_cuda_without_a_gpu_is_refused(folders: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    data = str(folders["data"])
    fix = "--device cuda asked for, but torch sees no CUDA GPU: use --device cpu"
    assert main(["proxies", "--model", str(folders["t5"]), "--data", data, "--device", "cuda"]) == 2
    _one_line(capsys, fix)
    assert main(["rank", "--models", "a", "b", "--task", "cms", "--device", "cuda"]) == 2
    _one_line(capsys, fix)
    assert main(["produce", "sft", "--model", "a", "--task", "cms", "--device", "cuda"]) == 2
    _one_line(capsys, fix)
    assert main(["produce", "pretrain", "--preset", "micro", "--variant", "1", "--device", "cuda"]) == 2
    _one_line(capsys, fix)


def test_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback(
    folders: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(model: str, tokenizer: str | None = None) -> None:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(checks, "check_causal_lm", broken)
    monkeypatch.setattr(cli_harness, "check_causal_lm", broken)  # the command's own reference
    argv = ["proxies", "--model", "m", "--data", str(folders["data"])]
    assert main(argv) == 1
    _one_line(capsys, "RuntimeError: disk on fire (run with --debug, or SFTCAST_DEBUG=1, for the traceback)")
    for debug_argv in (argv + ["--debug"], ["--debug", *argv]):
        assert main(debug_argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("Traceback") and "disk on fire" in err and "--debug" not in err.splitlines()[-1]
    monkeypatch.setenv("SFTCAST_DEBUG", "1")
    assert main(argv) == 1
    assert capsys.readouterr().err.startswith("Traceback")


def test_a_folder_of_checkpoints_is_pointed_at_its_checkpoints(tmp_path: Path) -> None:
    for step in (100, 200):
        save_arch("gpt2", tmp_path / "run" / f"checkpoint-{step}")
    with pytest.raises(SftcastError, match=r"holds checkpoint folders \(checkpoint-100, checkpoint-200\)"):
        check_causal_lm(str(tmp_path / "run"))


@pytest.mark.slow
def test_the_real_process_prints_no_traceback(folders: dict[str, Path]) -> None:
    cmd = [sys.executable, "-m", "benchmark.cli", "proxies", "--model", str(folders["missing"]),
           "--data", str(folders["data"])]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("sftcast: error: model folder")
    done = subprocess.run([*cmd, "--debug"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" in done.stderr


def test_check_causal_lm_accepts_a_decoder_and_refuses_a_hub_id_offline(tmp_path: Path) -> None:
    config = check_causal_lm(str(save_arch("gpt2", tmp_path / "gpt2")))
    assert config.model_type == "gpt2"
    with pytest.raises(SftcastError, match="neither a folder nor a Hub id that loads"):
        check_causal_lm("sftcast-nobody/no-such-model-xyz")
