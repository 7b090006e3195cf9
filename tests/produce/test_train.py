"""The training loop on the micro preset: the loss falls, and kill-and-resume is exact."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from filelock import FileLock

from benchmark.cli import main
from benchmark.cli.options import parse_overrides
from benchmark.core.errors import SftcastError
from benchmark.harness import special_tokens as st
from benchmark.produce.presets import get_preset, get_variant, plan
from benchmark.produce.pretrain import TrainConfig, lr_at, train
from benchmark.produce.run_layout import list_checkpoints, loss_stats

torch.set_num_threads(1)
PAPER_CSV = Path("/work/shared/reference/zeng2025_table4_table6.csv")


def word_tokenizer(n_words: int = 60):
    """A word-level PreTrainedTokenizerFast with the project's special tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate([*st.ALL, *(f"w{i}" for i in range(n_words))])}
    core = Tokenizer(models.WordLevel(vocab, unk_token=st.UNK))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token=st.PAD, eos_token=st.EOS, bos_token=st.BOS, unk_token=st.UNK
    )


def stream(tok, n_docs: int = 300, seed: int = 0) -> list[list[int]]:
    """Learnable documents: runs of consecutive words, so the next word is predictable."""
    rng = np.random.default_rng(seed)
    words = [tok.convert_tokens_to_ids(f"w{i}") for i in range(60)]
    docs = []
    for _ in range(n_docs):
        start, length = int(rng.integers(0, 40)), int(rng.integers(10, 20))
        docs.append(words[start : start + length])
    return docs


def micro(objective: str = "CLM", **overrides) -> TrainConfig:
    cfg = TrainConfig(**get_preset("micro").train, objective=objective, learning_rate=1e-2, num_threads=1)
    return cfg.replace(**overrides)


def final_weights(run: Path, step: int) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(run / f"checkpoint-{step}" / "model.safetensors")


@pytest.fixture(scope="module")
def tok():
    return word_tokenizer()


def test_micro_run_lowers_the_loss_and_writes_its_artefacts(tok, tmp_path: Path) -> None:
    from transformers import AutoTokenizer, LlamaForCausalLM

    model_config = get_preset("micro").llama_config(len(tok))
    summary = train(stream(tok), tok, model_config, micro(), tmp_path / "run", progress_bar=False)
    run = tmp_path / "run"
    assert summary["finished"] and summary["step"] == 40
    assert summary["final_loss"] < 0.6 * summary["first_loss"]
    assert [p.name for p in sorted(run.glob("checkpoint-*"), key=lambda p: int(p.name[11:]))] == [
        "checkpoint-10",
        "checkpoint-20",
        "checkpoint-30",
        "checkpoint-40",
    ]
    lines = [json.loads(x) for x in (run / "loss.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == list(range(1, 41))
    saved = json.loads((run / "summary.json").read_text())
    for key in ("final_loss", "loss_slope_last20pct", "param_norm", "tokens_per_s", "seeds", "train_config"):
        assert saved[key] is not None
    assert saved["train_config"]["objective"] == "CLM"
    back = LlamaForCausalLM.from_pretrained(run / "checkpoint-40")
    assert back.num_parameters() == summary["n_params"]
    assert AutoTokenizer.from_pretrained(run / "checkpoint-40").convert_tokens_to_ids("<extra_id_0>") == (
        tok.convert_tokens_to_ids("<extra_id_0>")
    )


def test_stop_and_resume_gives_the_same_weights(tok, tmp_path: Path) -> None:
    cfg = micro("UL2", max_steps=12, grad_accum=2, batch_size=4)
    model_config = get_preset("micro").llama_config(len(tok))
    data = stream(tok)
    train(data, tok, model_config, cfg, tmp_path / "whole", progress_bar=False)
    part = train(
        data, tok, model_config, cfg, tmp_path / "split", max_steps_this_session=5, progress_bar=False
    )
    assert not part["finished"] and not (tmp_path / "split" / "summary.json").exists()
    rest = train(data, tok, model_config, cfg, tmp_path / "split", progress_bar=False)
    assert rest["resumed_from_step"] == 5 and rest["finished"]
    a, b = final_weights(tmp_path / "whole", 12), final_weights(tmp_path / "split", 12)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    whole = (tmp_path / "whole" / "loss.jsonl").read_text().splitlines()
    split = (tmp_path / "split" / "loss.jsonl").read_text().splitlines()
    assert [json.loads(x)["loss"] for x in whole] == [json.loads(x)["loss"] for x in split]


def test_crash_between_states_resumes_from_the_last_state(tok, tmp_path: Path) -> None:
    cfg = micro("SC+CLM", max_steps=12, batch_size=4)  # states at 3, 6, 9, 12
    model_config = get_preset("micro").llama_config(len(tok))
    data = stream(tok)
    train(data, tok, model_config, cfg, tmp_path / "whole", progress_bar=False)

    def crash(step: int, loss: float) -> None:
        if step == 8:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        train(data, tok, model_config, cfg, tmp_path / "crash", on_step=crash, progress_bar=False)
    rest = train(data, tok, model_config, cfg, tmp_path / "crash", progress_bar=False)
    assert rest["resumed_from_step"] == 6
    a, b = final_weights(tmp_path / "whole", 12), final_weights(tmp_path / "crash", 12)
    assert all(torch.equal(a[k], b[k]) for k in a)
    steps = [json.loads(x)["step"] for x in (tmp_path / "crash" / "loss.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 13))  # the lost steps 7-8 were logged once, after the resume


def test_resume_refuses_a_different_config(tok, tmp_path: Path) -> None:
    model_config = get_preset("micro").llama_config(len(tok))
    cfg = micro(max_steps=4, batch_size=2)
    train(stream(tok), tok, model_config, cfg, tmp_path / "r", max_steps_this_session=2, progress_bar=False)
    with pytest.raises(SftcastError, match="learning_rate"):
        train(
            stream(tok),
            tok,
            model_config,
            cfg.replace(learning_rate=1e-3),
            tmp_path / "r",
            progress_bar=False,
        )


def test_config_overrides_and_schedule() -> None:
    cfg = TrainConfig().replace(**parse_overrides(["learning_rate=1e-3", "--max-steps=100", "compile=false"]))
    assert cfg.learning_rate == 1e-3 and cfg.max_steps == 100 and cfg.compile is False
    with pytest.raises(SftcastError, match="unknown training option 'lr'"):
        cfg.replace(lr=1)
    with pytest.raises(SftcastError, match="not a valid int"):
        cfg.replace(max_steps="many")
    cfg = cfg.replace(warmup_steps=10, min_lr_ratio=0.1)
    assert lr_at(0, cfg) == pytest.approx(1e-4) and lr_at(9, cfg) == pytest.approx(1e-3)
    assert lr_at(99, cfg) == pytest.approx(1e-4, rel=0.01)
    assert lr_at(10, cfg) > lr_at(50, cfg) > lr_at(90, cfg)


def test_loss_stats(tmp_path: Path) -> None:
    path = tmp_path / "loss.jsonl"
    path.write_text("".join(json.dumps({"step": s, "loss": 10 - 0.01 * s}) + "\n" for s in range(1, 101)))
    stats = loss_stats(path)
    assert stats["first_loss"] == pytest.approx(9.99)
    assert stats["loss_slope_last20pct"] == pytest.approx(-0.01)


def test_list_checkpoints_orders_by_step_and_skips_other_names(tmp_path: Path) -> None:
    for name in ("checkpoint-600", "checkpoint-75", "checkpoint-final", "checkpoint-1-x"):
        (tmp_path / name).mkdir()
    (tmp_path / "checkpoint-300").write_text("not a folder")
    expected = [(75, tmp_path / "checkpoint-75"), (600, tmp_path / "checkpoint-600")]
    assert list_checkpoints(tmp_path) == expected
    assert list_checkpoints(tmp_path / "absent") == []


def test_grid_matches_the_papers_table() -> None:
    with open(PAPER_CSV, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    variants = plan("paper1b")
    assert len(variants) == len(rows) == 50
    for v, row in zip(variants, rows, strict=True):
        assert v.id == int(row["model_id"])
        assert (v.objective, v.data_mixture, v.length_filter) == (
            row["objective"],
            row["data_mixture"],
            row["length_filter"],
        )
        assert v.learning_rate == v.paper_learning_rate == float(row["learning_rate"])
        assert v.domain_tagging == (row["domain_tagging"] == "true")
    tiny = plan("tiny")
    assert {v.learning_rate for v in tiny} == {1e-3, 2.5e-3, 5e-3, 7.5e-3, 1e-2}
    with pytest.raises(SftcastError, match="1..50"):
        get_variant("tiny", 51)
    with pytest.raises(SftcastError, match="did you mean 'tiny'"):
        plan("tiyn")


def test_tiny_preset_has_about_a_million_parameters() -> None:
    from transformers import LlamaForCausalLM

    with torch.device("meta"):
        model = LlamaForCausalLM(get_preset("tiny").llama_config(1024))
    assert 0.9e6 < model.num_parameters() < 1.1e6


def test_cli_plan_slurm_and_errors(capsys, tmp_path: Path) -> None:
    assert main(["produce", "plan", "--preset", "tiny"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 51 and lines[17].split()[:3] == ["17", "SC+CLM", "DC-0"]
    script = tmp_path / "array.sbatch"
    assert main(["produce", "slurm", "--preset", "paper1b", "--out", str(script)]) == 0
    text = script.read_text()
    assert "#SBATCH --array=1-50" in text
    assert "-m benchmark.cli produce pretrain --preset paper1b --variant $SLURM_ARRAY_TASK_ID" in text
    assert main(["produce", "pretrain", "--preset", "tiny", "--variant", "0"]) == 2
    assert "variant 0 is out of range" in capsys.readouterr().err
    assert main(["produce", "plan", "--preset", "huge"]) == 2
    assert main(["produce", "pretrain", "--preset", "micro", "--variant", "1", "--set", "steps=3"]) == 2
    assert "unknown training option 'steps'" in capsys.readouterr().err


def test_cli_pretrain_micro_variant_end_to_end(capsys, tmp_path: Path) -> None:
    """world -> corpus (DC-5, tagged) -> shared tokenizer -> UL2R+CLM -> loop, and resume."""

    args = ["produce", "pretrain", "--preset", "micro", "--variant", "33", "--out", str(tmp_path),
        "--no-progress"]
    args += ["--n-tokens", "8000", "--set", "max_steps=8"]
    assert main([*args, "--max-steps-this-session", "3"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["finished"] is False
    assert main(args) == 0
    run = tmp_path / "micro" / "seed0" / "v33"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["finished"] and summary["resumed_from_step"] == 3
    assert (
        summary["variant"]["objective"] == "UL2R+CLM" and summary["train_config"]["learning_rate"] == 5e-3
    )
    assert (
        summary["corpus"]["n_tokens"] > 0
        and (tmp_path / "micro" / "seed0" / "tokenizer" / "tokenizer.json").exists()
    )
    assert (run / "checkpoint-8" / "tokenizer.json").exists()


def test_a_second_process_on_the_same_run_is_refused(tok, tmp_path: Path) -> None:
    run = tmp_path / "busy"
    run.mkdir()
    with FileLock(str(run / "run.lock")):  # another process trains here
        with pytest.raises(SftcastError, match="being trained by another process"):
            train(stream(tok), tok, get_preset("micro").llama_config(len(tok)), micro(max_steps=2), run)


def test_a_kill_during_the_state_swap_loses_nothing(tmp_path: Path) -> None:
    from benchmark.produce.pretrain import _recover_state

    (tmp_path / "state.tmp").mkdir()  # killed after state -> state.old, before state.tmp -> state
    (tmp_path / "state.tmp" / "COMPLETE").write_text("")
    (tmp_path / "state.old").mkdir()
    _recover_state(tmp_path / "state")
    assert (tmp_path / "state" / "COMPLETE").exists()
