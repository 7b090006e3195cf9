"""The default lm-eval backend (sftcast_hf, shared prompts) on every causal-LM architecture task,
against plain ``hf``, with prompts several times longer than each model's 128-token context."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lm_eval")
torch.set_num_threads(1)

from arch_models import ARCHITECTURES, MAX_CONTEXT, save_arch, write_long_data  # noqa: E402

from benchmark.core.vocab import PROXIES
from benchmark.harness import compute_proxies


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_long_data(tmp_path_factory.mktemp("arch") / "data")


def _requests(limit: int) -> list:
    """Hand requests over every path of ``_loglikelihood_tokens``: short contexts shared by
    candidates of different lengths; a context longer than the model, shared per continuation
    length after truncation; a context that fills the window with a one-token continuation beside
    long ones (its padding would run past the position table); a continuation as long as the
    window; a lone context; and rolling windows."""
    short = [(5 * i) % 200 + 10 for i in range(12)]
    long = [(7 * i) % 250 + 3 for i in range(3 * limit)]
    full = long[: limit - 1]
    return [
        (("s", "1"), short, [11]), (("s", "2"), short, [12, 13, 14, 15, 16, 17, 18, 19]),
        (("s", "3"), short, [20, 21]),
        (("l", "1"), long, [21, 22]), (("l", "2"), long, [23, 24]), (("l", "3"), long, [25, 26, 27]),
        (("l", "4"), long, [28, 29, 30]), (("l", "5"), long, [31]), (("l", "6"), long, [32]),
        (("f", "1"), full, [40]), (("f", "2"), full, [41]),  # limit tokens, shared, beside long ones
        (("f", "3"), full + [7], list(range(50, 50 + limit))),  # the whole window
        (("o", "1"), [30, 31], [32, 33]),  # a lone context
        (None, [1], long[:limit]), (None, long[:1], long[1 : limit + 1]),  # rolling windows
    ]  # fmt: skip


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_default_backend_equals_hf_on_every_architecture(arch: str, data: Path, tmp_path: Path) -> None:
    from lm_eval.models.huggingface import HFLM

    from benchmark.harness.shared_prefix import SharedPrefixLM

    model = str(save_arch(arch, tmp_path / arch))
    fast = SharedPrefixLM(pretrained=model, device="cpu", batch_size=4)
    plain = HFLM(pretrained=model, device="cpu", batch_size=4)
    assert fast.max_length == plain.max_length == MAX_CONTEXT  # from the config, or BLOOM's tokenizer
    requests = _requests(MAX_CONTEXT)
    got, want = fast._loglikelihood_tokens(requests), plain._loglikelihood_tokens(requests)
    for k, ((ll, greedy), (ll_hf, greedy_hf)) in enumerate(zip(got, want, strict=True)):
        assert ll == pytest.approx(ll_hf, rel=1e-5, abs=1e-5) and greedy == greedy_hf, k
    # the five proxies through lm-eval: 5-shot RAG prompts are ~4 contexts long, ppl_clm windows are cut
    a = compute_proxies(model, data, batch_size=4, tasks_dir=tmp_path / "fast")
    b = compute_proxies(model, data, batch_size=4, tasks_dir=tmp_path / "hf", backend="hf")
    for name in PROXIES:
        assert a[name] == pytest.approx(b[name], rel=1e-5, abs=1e-9), name
    for task, metrics in b["detail"].items():
        for metric, value in metrics.items():
            assert a["detail"][task][metric] == pytest.approx(value, rel=1e-5, abs=1e-9), (task, metric)
