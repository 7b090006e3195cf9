"""Launching pre-training as a cluster would: two torchrun ranks (gloo, on the CPU) against one
process, and the Slurm array script with ``srun``/``scontrol`` stubbed.

Each rank draws batch_size examples of the same global batch, and DDP averages the gradients, so
two ranks at batch 4 take the same steps as one process at batch 8: the loss curves and the final
weights agree to float rounding (the all-reduce sums in another order). A run stopped after 20
steps and resumed under torchrun ends where the uninterrupted one does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.cli import main

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.slow
# what a launcher or scheduler may have left in the environment: none of it may reach these runs
LAUNCH_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")

ARGS = ["-m", "benchmark.cli", "produce", "pretrain", "--preset", "micro", "--variant", "1", "--device",
    "cpu",
        "--no-progress"]  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    """This environment without launcher or Slurm variables; one thread; this Python's scripts
    (torchrun, accelerate) first on PATH."""
    kept = {k: v for k, v in os.environ.items() if k not in LAUNCH_ENV}
    env = {k: v for k, v in kept.items() if not k.startswith(("SLURM_", "ACCELERATE_"))}
    path = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, "PATH": path, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", **extra}


def _call(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own process group; on a timeout the whole group (every rank) is killed."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    assert proc.returncode == 0, err[-3000:]
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _run(out: Path, ranks: int, *extra: str) -> subprocess.CompletedProcess:
    """``sftcast produce pretrain`` in one process, or under torchrun with ``ranks`` CPU ranks (gloo)."""
    launcher = [sys.executable]
    if ranks > 1:
        launcher += ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(ranks)]
    return _call([*launcher, *ARGS, "--out", str(out), *extra], _env())


def _curve(out: Path) -> list[float]:
    lines = (out / "micro" / "seed0" / "v01" / "loss.jsonl").read_text().splitlines()
    return [json.loads(line)["loss"] for line in lines]


def _weights(out: Path) -> dict:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(out / "micro" / "seed0" / "v01" / "checkpoint-40")
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ddp")
    _run(root / "one", 1)
    two = _run(root / "two", 2, "--set", "batch_size=4")
    assert len([line for line in two.stdout.splitlines() if line.startswith("{")]) == 1  # rank 0 reports
    _run(root / "resumed", 2, "--set", "batch_size=4", "--max-steps-this-session", "20")
    assert len(_curve(root / "resumed")) == 20
    _run(root / "resumed", 2, "--set", "batch_size=4")
    return {"one": root / "one", "two": root / "two", "resumed": root / "resumed"}


def test_two_ranks_take_the_steps_of_one_process_with_their_global_batch(runs: dict[str, Path]) -> None:
    one, two = _curve(runs["one"]), _curve(runs["two"])
    assert len(one) == len(two) == 40 and one[-1] < one[0] - 0.5  # it learns
    assert two == pytest.approx(one, rel=1e-4)
    summary = json.loads((runs["two"] / "micro" / "seed0" / "v01" / "summary.json").read_text())
    assert summary["num_processes"] == 2 and summary["finished"]
    a, b = _weights(runs["one"]), _weights(runs["two"])
    assert a.keys() == b.keys()
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-4), name


def test_a_stopped_data_parallel_run_resumes_where_it_left_off(runs: dict[str, Path]) -> None:
    assert _curve(runs["resumed"]) == pytest.approx(_curve(runs["two"]), rel=1e-5)
    a, b = _weights(runs["two"]), _weights(runs["resumed"])
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-5), name


def test_the_slurm_array_script_runs_one_task_with_srun_and_scontrol_stubbed(tmp_path: Path) -> None:
    """``sftcast produce slurm`` writes a script that, given Slurm's environment, pre-trains the
    variant its array task names. Here ``srun`` and ``scontrol`` are stubs: one node with one
    device, so ``accelerate launch`` starts one process (the two-rank path is the torchrun test
    above), with no accelerate config (``HF_HOME`` is empty). A requeued task finds its run
    finished and returns at once."""

    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "scontrol").write_text("#!/bin/bash\necho localhost\n")  # show hostnames: the node list
    # srun drops its own options and runs the command as node 0
    srun = '#!/bin/bash\nwhile [[ "$1" == --* ]]; do shift; done\nSLURM_NODEID=0 exec "$@"\n'
    (stubs / "srun").write_text(srun)
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    script = tmp_path / "array.sh"
    argv = ["produce", "slurm", "--preset", "micro", "--variants", "3", "--nodes", "1",
        "--gpus-per-node", "1",
            "--runs", str(tmp_path / "runs"), "--out", str(script)]  # fmt: skip
    assert main(argv) == 0
    env = _env(SLURM_ARRAY_TASK_ID="3", SLURM_JOB_NODELIST="node01", SLURM_NNODES="1",
               HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(Path(__file__).resolve().parents[2]))  # fmt: skip
    env["PATH"] = f"{stubs}{os.pathsep}{env['PATH']}"
    for _ in range(2):  # the task, then the same task requeued
        done = _call(["bash", str(script)], env, cwd=tmp_path)
    summary = json.loads((tmp_path / "runs" / "micro" / "seed0" / "v03" / "summary.json").read_text())
    assert summary["finished"] and summary["step"] == 40
    assert json.loads(done.stdout.strip().splitlines()[-1])["step"] == 40  # requeued: nothing left to train
    assert (tmp_path / "logs").is_dir()
