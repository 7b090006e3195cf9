"""The lm-eval proxy harness on a micro model the tests build and save themselves (offline)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lm_eval")
torch.set_num_threads(1)

import shutil

from micro_models import micro_tokenizer, save_random_llama  # noqa: E402

from benchmark.cli import main
from benchmark.core.errors import SftcastError  # noqa: E402
from benchmark.core.vocab import PROXIES, TASK_VERSIONS
from benchmark.harness import (
    compute_proxies,
    evaluate_task,
    lm_eval_command,
    proxies_from_results,
    render_tasks,
)
from benchmark.harness.evaluator import DATA_STAMP, data_current
from benchmark.harness.records import cloze_file, partial_contexts
from benchmark.harness.spans import IGNORE, SpecialIds, span_corrupt
from benchmark.harness.utils import (
    load_cloze_splits,
    normalize_answer,
    process_choices,
    process_generation,
    read_jsonl,
    sc_rendering,
    span_corruption_request,
    token_windows,
)
from benchmark.produce.run_signals import free_signals
from benchmark.produce.tasks import build_tasks, export_tasks
from benchmark.produce.tasks.cloze import cloze_docs, property_docs
from benchmark.produce.world import World
from benchmark.produce.world.physics import PROPERTIES, property_phrase
from benchmark.produce.world.templates import statement_prefix


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, micro_data: Path) -> dict[str, Path]:
    """The shared micro data folder and a random micro Llama with its BPE."""
    root = tmp_path_factory.mktemp("harness")
    data = micro_data
    model = save_random_llama(root / "model", micro_tokenizer(data), seed=0)
    return {"root": root, "data": data, "model": model}


@pytest.fixture(scope="module")
def library(setup: dict[str, Path]) -> dict:
    return compute_proxies(str(setup["model"]), setup["data"], batch_size=4)


# ---------------------------------------------------------------------------------------------
# PPL-SC request construction


def _training_sequence(ids: list[int], seed: list[int], tok) -> tuple[list[int], list[int]]:
    """SC pre-training's rendering of a window at seq_len 128: (sequence, loss tokens), by span_corrupt."""

    ex = span_corrupt(ids, np.random.default_rng(seed), SpecialIds.from_tokenizer(tok), 128)
    n = int(ex.attention_mask.sum())
    return ex.input_ids[:n].tolist(), [t for t in ex.labels[:n].tolist() if t != IGNORE]


def test_span_corruption_request_hand_cases() -> None:
    from benchmark.produce.tokenizer import train_tokenizer

    words = " ".join(f"w{i}" for i in range(40))
    tok = train_tokenizer([words] * 50 + ["a b c d e f g h"] * 50, vocab_size=500)
    # 8 tokens at density 0.25, mean span 2: T5 arithmetic gives 2 noise tokens in 1 span; with this
    # seed the span is " g h", so the context keeps "a".."f", its sentinel and the first target sentinel.
    ids = tok.encode("a b c d e f g h")
    assert tok.convert_ids_to_tokens(ids) == ["a", "Ġb", "Ġc", "Ġd", "Ġe", "Ġf", "Ġg", "Ġh"]
    assert span_corruption_request(ids, np.random.default_rng(0), tok, 0.25, 2.0) == (
        "a b c d e f<extra_id_0><extra_id_0>",
        " g h</s>",
    )
    # 40 words are 80 tokens (" w" and the number apart) at (0.15, 3): 12 noise tokens in 4 spans, cut
    # in tokens, not words: "3 w4 w5 w6 w7" (9 tokens, the first span starts inside "w3"), "13", "35", "39".
    ids = tok.encode(words)
    assert len(ids) == 80
    context, continuation = span_corruption_request(ids, np.random.default_rng([1234, 0]), tok)
    kept = " ".join(f"w{i}" for i in range(14, 35))
    tail = "w36 w37 w38 w<extra_id_3><extra_id_0>"
    assert context == f"w0 w1 w2 w<extra_id_0> w8 w9 w10 w11 w12 w<extra_id_1> {kept} w<extra_id_2> {tail}"
    assert continuation == "3 w4 w5 w6 w7<extra_id_1>13<extra_id_2>35<extra_id_3>39</s>"
    # what HFLM scores: the tokens of context + continuation after those of context are the SC loss tokens
    sequence, loss = _training_sequence(ids, [1234, 0], tok)
    assert tok.encode(context + continuation) == sequence
    assert tok.encode(context + continuation)[len(tok.encode(context)) :] == loss == tok.encode(continuation)
    assert span_corruption_request(ids[:1], np.random.default_rng(0), tok) is None


def test_token_windows_are_the_training_stream() -> None:
    from benchmark.produce.pretrain import pack

    docs = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
    windows = token_windows(docs, eos=0, size=5)
    assert windows == [[1, 2, 3, 0, 4], [5, 0, 6, 7, 8]]
    stream = pack(docs, 0)  # what pre-training windows: len(stream) // seq_len windows
    assert windows == [stream[i * 5 : (i + 1) * 5].tolist() for i in range(len(stream) // 5)]
    assert token_windows([[1, 2]], eos=0, size=5) == []


def test_span_corruption_request_reassembles_the_text(setup: dict[str, Path]) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(setup["model"])
    text = "The cork ball floats.\nAda works at Flarnbaia Systems, near the old bridge. " * 6
    ids = tok.encode(text)
    for j in range(0, len(ids) - 20, 20):
        window = ids[j : j + 20]
        context, continuation = span_corruption_request(window, np.random.default_rng([7, j]), tok)
        inputs = context.split("<extra_id_")
        targets = continuation.removesuffix("</s>").split("<extra_id_")
        spans = [targets[0]] + [t.split(">", 1)[1] for t in targets[1:]]  # the first sentinel is in context
        rebuilt = inputs[0] + "".join(spans[k] + inputs[k + 1].split(">", 1)[1] for k in range(len(spans)))
        assert rebuilt == tok.decode(window)
        assert 0 < len(continuation) < len(context)


def test_span_corruption_request_with_a_foreign_tokenizer() -> None:
    """A tokenizer without sentinels gets them as text: several ordinary tokens each, all scored."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)  # fmt: skip
    bpe.train_from_iterator(["a b c d e f g h"] * 20, trainer=trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe)
    rendering = sc_rendering(tok)
    assert not rendering.native and min(rendering.special.sentinels) >= len(tok)
    request = span_corruption_request(tok.encode("a b c d e f g h"), np.random.default_rng(0), tok, 0.25, 2.0)
    assert request == ("a b c d e f<extra_id_0><extra_id_0>", " g h</s>")
    assert len(tok.encode(request[1])) > 3  # " g h" plus "</s>" in pieces


def test_ppl_sc_requests_are_what_lm_eval_sends(setup: dict[str, Path]) -> None:
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager
    from transformers import AutoTokenizer

    tasks_dir = render_tasks(setup["data"], setup["root"] / "sc_tasks", proxies=["ppl_sc"])
    manager = TaskManager(include_path=str(tasks_dir), include_defaults=False,
                          metadata={"pretrained": str(setup["model"])})  # fmt: skip
    task = manager.load(["ppl_sc"])["tasks"]["ppl_sc"]
    task.build_all_requests()
    tok = AutoTokenizer.from_pretrained(setup["model"])
    lines = (setup["data"] / "heldout_text.jsonl").read_text().splitlines()
    docs = [tok.encode(json.loads(line)["text"]) for line in lines]
    windows = token_windows(docs, tok.eos_token_id, 112)
    assert len(task.instances) == len(windows) > 5
    first = span_corruption_request(windows[0], np.random.default_rng([1234, 0]), tok)
    assert task.instances[0].args == first
    # HFLM's own split of every request gives exactly the SC training sequence and its loss tokens
    lm = HFLM(pretrained=str(setup["model"]), device="cpu", batch_size=1)
    for g, instance in enumerate(task.instances):
        context_enc, continuation_enc = lm._encode_pair(*instance.args)
        sequence, loss = _training_sequence(windows[g], [1234, g], tok)
        assert context_enc + continuation_enc == sequence and continuation_enc == loss
        assert instance.doc["n_tokens"] == len(continuation_enc) and instance.doc["exact"]
        assert len(sequence) <= 128


# ---------------------------------------------------------------------------------------------
# hooks and rendering


def test_scoring_hooks() -> None:
    doc = {"gold": 1, "answer": "New York", "choices": ["Paris", "New York"]}
    scores = process_choices(doc, [(-3.0, False), (-1.0, True)])
    assert scores == {"acc": 1.0, "gold_loglik": -1.0, "gold_prob": pytest.approx(1 / (1 + math.exp(-2)))}
    assert process_choices(doc, [(-2.0, False), (-2.0, True)])["gold_prob"] == 0.5  # undecided: 1/k
    far = process_choices(doc, [(-1000.0, False), (-1001.0, True)])["gold_prob"]  # a naive exp() gives 0/0
    assert far == pytest.approx(1 / (1 + math.e))
    assert process_generation(doc, [" new york.\nQuestion: next"]) == {"exact_match": 1.0}
    assert process_generation(doc, [" New"]) == {"exact_match": 0.0}
    assert normalize_answer("  The  Cup!") == "the cup"


def test_render_tasks_writes_an_include_path(setup: dict[str, Path], tmp_path: Path) -> None:
    out = render_tasks(setup["data"], tmp_path / "tasks", split="test")
    names = sorted(p.stem for p in out.glob("*.yaml"))
    assert names == sorted(
        [
            "ppl_clm",
            "ppl_sc",
            "kshot_cms",
            "kshot_cms_boolq",
            "kshot_cms_piqa",
            "kshot_rag",
            "kshot_rag_nq_open",
            "kshot_rag_nq_open_gen",
            "kshot_cbqa",
            "kshot_cbqa_trivia_qa",
            "kshot_cbqa_trivia_qa_gen",
        ]
    )
    record = json.loads((out / "tasks.json").read_text())
    assert record["split"] == "test" and record["subsets"]["kshot_cms"] == ["boolq", "piqa"]
    assert "rag/nq_open/test.jsonl" in (out / "kshot_rag_nq_open.yaml").read_text()
    with pytest.raises(SftcastError, match="unknown proxy"):
        render_tasks(setup["data"], tmp_path / "x", proxies=["ppl_clmm"])
    with pytest.raises(SftcastError, match="prepare_heldout"):
        render_tasks(tmp_path, tmp_path / "y", proxies=["ppl_clm"])
    with pytest.raises(SftcastError, match="no cms subsets"):
        render_tasks(tmp_path, tmp_path / "z", proxies=["kshot_cms"])


def test_partially_scored_subset_runs_as_lm_eval_runs_winogrande(
    setup: dict[str, Path], tmp_path: Path
) -> None:
    """OpenBookQA-shaped records carry ``continuation``: render_tasks gives them kshot_partial.yaml,
    lm-eval sends one request per choice with the choice in the context and the same continuation,
    the 1-shot example shows the gold context and its continuation, and sftcast_hf equals hf."""
    from lm_eval.tasks import TaskManager


    obqa = build_tasks(World.generate("micro", seed=0), tasks=["cms"])["cms"]["openbookqa"]
    data = export_tasks({"cms": {"openbookqa": obqa}}, tmp_path / "data")
    out = render_tasks(data, tmp_path / "tasks", split="test", proxies=["kshot_cms"])
    assert "kshot_partial.yaml" in (out / "kshot_cms_openbookqa.yaml").read_text()
    task = TaskManager(include_path=str(out), include_defaults=False).load(["kshot_cms_openbookqa"])
    task = task["tasks"]["kshot_cms_openbookqa"]
    task.build_all_requests(limit=3)
    shots = {f"{r['prompt']} {r['answer']} {r['continuation']}" for r in obqa["train"]}  # gold in context
    for i, doc in enumerate(obqa["test"][:3]):
        instances = [x for x in task.instances if x.doc_id == i]
        assert [x.args[1] for x in instances] == [" " + doc["continuation"]] * len(doc["choices"])
        shot = instances[0].args[0].rpartition("\n\n")[0]
        assert [x.args[0] for x in instances] == [f"{shot}\n\n{c}" for c in partial_contexts(doc)]
        assert shot in shots
    fast = compute_proxies(str(setup["model"]), data, split="test", proxies=["kshot_cms"], limit=12,
                           tasks_dir=tmp_path / "fast")  # fmt: skip
    plain = compute_proxies(str(setup["model"]), data, split="test", proxies=["kshot_cms"], limit=12,
                            tasks_dir=tmp_path / "plain", backend="hf")  # fmt: skip
    assert fast["kshot_cms"] == plain["kshot_cms"]
    for metric, value in plain["detail"]["kshot_cms_openbookqa"].items():
        assert fast["detail"]["kshot_cms_openbookqa"][metric] == pytest.approx(value, rel=1e-5), metric


# ---------------------------------------------------------------------------------------------
# kshot_facts: the single-hop closed-book facts as the start of a corpus sentence


def test_cloze_docs_state_single_facts() -> None:
    base = {"id": "q", "task": "cbqa", "subset": "nq_open", "choices": ["Oslo", "Rome"], "gold": 1,
            "answer": "Rome", "prompt": "Question: Where was Ann Lee born?\nAnswer:"}  # fmt: skip
    rows = [
        {**base, "hops": [["Ann Lee", "birth_city", "Rome"]]},
        {**base, "hops": [["Ann Lee", "birth_city", "Rome"], ["Rome", "country", "Italy"]]},  # two hops
        {**base, "hops": [["Ann Lee", "shoe_size", "9"]]},  # no sentence for it
        base,  # no hops: a real dataset's row
    ]
    assert cloze_docs(rows) == [{**base, "prompt": "Ann Lee was born in"}]
    assert statement_prefix("founded", "Lorthoua Company") == "Lorthoua Company was founded in"
    assert statement_prefix("population", "Oslo") == "The population of Oslo is about"  # value-last form
    assert statement_prefix("shoe_size", "Ann Lee") is None


def test_property_docs_state_the_object_value_behind_a_yes_no_question() -> None:
    base = {"id": "b", "task": "cms", "subset": "boolq", "choices": ["yes", "no"], "gold": 1,
            "answer": "no", "prompt": "Passage: ...\nQuestion: Is the iron kettle light?\nAnswer:",
            "entity": "iron kettle", "attribute": "weight", "asked": "light"}  # fmt: skip
    rows = [
        base,  # not light, so heavy
        {**base, "id": "b2", "asked": "heavy", "answer": "yes", "gold": 0},  # the same fact again
        {**base, "id": "c", "entity": "cork ball", "attribute": "buoyancy", "asked": "sinks"},  # answer no
        {**base, "id": "d", "entity": "cork ball", "attribute": "flammability", "asked": "flammable",
         "answer": "yes", "gold": 0},  # the value asked about
        {**base, "id": "e", "entity": "iron nail", "attribute": "magnetism", "asked": "non-magnetic",
         "answer": "no", "gold": 1},  # the first value, from a "no" to the second
        {k: v for k, v in base.items() if k not in ("entity", "attribute", "asked")},  # a real BoolQ row
    ]  # fmt: skip
    docs = property_docs(rows)
    assert [d["prompt"] for d in docs] == [
        f"{start} {name}" for name in ("iron kettle", "cork ball", "cork ball", "iron nail")
        for start in ("The", "A", "It is known that the", "Everyone knows that a")
    ]  # fmt: skip
    assert [d["answer"] for d in docs[8::4]] == ["burns easily", "is magnetic"]
    assert [d["gold"] for d in docs[8::4]] == [0, 0]
    kettle, ball = docs[0], docs[4]
    assert kettle["choices"] == ["is heavy", "is light"] and kettle["gold"] == 0
    assert kettle["answer"] == "is heavy"
    assert ball["choices"] == ["floats in water", "sinks in water"] and ball["answer"] == "floats in water"
    assert kettle["id"] == "b/statement0" and set(kettle) == {*base} - {"entity", "attribute", "asked"}


@pytest.fixture(scope="module")
def world_data(micro_world_data: Path) -> Path:
    return micro_world_data


@pytest.mark.slow
def test_kshot_facts_asks_world_facts_in_corpus_sentences(
    world_data: Path, setup: dict[str, Path], tmp_path: Path
) -> None:
    from lm_eval.tasks import TaskManager


    out = render_tasks(world_data, tmp_path / "tasks", proxies=["kshot_facts"])
    assert sorted(p.stem for p in out.glob("*.yaml")) == [
        "kshot_facts", "kshot_facts_nq_open", "kshot_facts_trivia_qa"
    ]  # fmt: skip
    task = TaskManager(include_path=str(out)).load(["kshot_facts_nq_open"])["tasks"]["kshot_facts_nq_open"]
    task.build_all_requests(limit=1, rank=0, world_size=1)
    dev = read_jsonl(world_data / "cbqa" / "nq_open" / "dev.jsonl")
    (entity, relation, value), = dev[0]["hops"]  # fmt: skip
    context, continuation = task.instances[dev[0]["gold"]].args
    lines = context.split("\n")
    assert len(lines) == 6 and all(line.endswith(".") for line in lines[:5])  # five stated facts
    assert lines[5].startswith(entity) and continuation == f" {value}"
    p = compute_proxies(str(setup["model"]), world_data, proxies=["kshot_facts"], limit=6, batch_size=4,
                        tasks_dir=tmp_path / "tasks")  # fmt: skip
    assert 0.0 <= p["kshot_facts"] <= 1.0 and set(p) >= {"kshot_facts", "detail"}
    assert p["config"]["n_docs"]["kshot_facts_nq_open"] == 6
    with pytest.raises(SftcastError, match="no world fact to state"):  # hand data: no hops
        compute_proxies(str(setup["model"]), setup["data"], proxies=["kshot_facts"], tasks_dir=tmp_path / "x")


def test_a_data_folder_says_which_tasks_it_holds(
    world_data: Path, setup: dict, tmp_path: Path, caplog
) -> None:
    """prepare_data stamps the TASK_VERSIONS it wrote; proxies record it, and warn on older data."""


    old = tmp_path / "data"
    shutil.copytree(world_data, old)
    assert data_current(world_data) and not data_current(setup["data"])  # no stamp: not prepare_data's
    kwargs = {"proxies": ["kshot_props"], "limit": 2, "batch_size": 4}
    now = compute_proxies(str(setup["model"]), world_data, tasks_dir=tmp_path / "t0", **kwargs)
    assert now["config"]["task_versions"] == TASK_VERSIONS
    (old / DATA_STAMP).write_text(json.dumps({**TASK_VERSIONS, "cms": 1}))
    with caplog.at_level("WARNING"):
        stale = compute_proxies(str(setup["model"]), old, tasks_dir=tmp_path / "t1", **kwargs)
    assert stale["config"]["task_versions"]["cms"] == 1 and "not the current" in caplog.text
    assert not data_current(old)


@pytest.mark.slow
def test_kshot_props_states_every_property_of_the_split_objects(
    world_data: Path, setup: dict[str, Path], tmp_path: Path
) -> None:
    """kshot_props: every property of every dev object, completed both ways, 1-shot; and every
    world CMS row of every shape and split states its object's true value."""
    from lm_eval.tasks import TaskManager


    truth = {o.name: o.properties for o in World.generate("micro", 0).objects}  # the world's own values
    for path in (world_data / "cms").glob("*/*.jsonl"):
        rows = {r["id"]: r for r in read_jsonl(path)}
        for doc in property_docs(list(rows.values())):
            row = rows[doc["id"].rsplit("/", 1)[0]]
            assert doc["answer"] == property_phrase(truth[row["entity"]][row["attribute"]]), (path, doc)
    out = render_tasks(world_data, tmp_path / "tasks", proxies=["kshot_props"])
    assert sorted(p.stem for p in out.glob("*.yaml")) == ["kshot_props", "kshot_props_hellaswag"]
    name = "kshot_props_hellaswag"
    task = TaskManager(include_path=str(out)).load([name])["tasks"][name]
    task.build_all_requests(rank=0, world_size=1)
    dev = read_jsonl(world_data / "cms" / "hellaswag" / "dev.jsonl")
    objects = {r["entity"] for r in dev}
    assert len(task.instances) == 2 * 4 * len(PROPERTIES) * len(objects)  # 2 values x 4 phrasings
    rows = {r["id"]: r for r in dev}
    for inst in task.instances:
        context, continuation = inst.args
        shot, query = context.split("\n")
        assert shot.endswith(".") and not query.endswith(".")  # one completed statement, then the query
        row = rows[inst.doc["id"].rsplit("/", 1)[0]]
        assert query == inst.doc["prompt"] and query.endswith(row["entity"])
        assert continuation == " " + inst.doc["choices"][inst.idx]
    with pytest.raises(SftcastError, match="no world fact to state"):  # hand data: no cloze docs
        load_cloze_splits({"test": str(cloze_file(setup["data"] / "cms" / "boolq" / "dev.jsonl"))})


def test_the_producer_writes_the_cloze_docs_the_harness_reads(world_data: Path) -> None:
    """Every world task file with facts to state has its cloze docs beside it, as cloze_docs and
    property_docs phrase them; the harness reads them without asking the world."""
    written = 0
    for path in sorted(world_data.glob("*/*/*.jsonl")):
        if path.name.endswith(".cloze.jsonl"):
            continue
        rows = read_jsonl(path)
        expected = cloze_docs(rows) + property_docs(rows)
        if expected:
            assert read_jsonl(cloze_file(path)) == expected
            written += 1
        else:
            assert not cloze_file(path).exists()
    assert written > 0


# ---------------------------------------------------------------------------------------------
# proxies: library, sftcast CLI and the lm_eval CLI


def test_proxies_are_finite_on_a_random_model(library: dict, setup: dict[str, Path]) -> None:
    for name in PROXIES:
        assert math.isfinite(library[name]), name
    vocab = json.loads((setup["model"] / "config.json").read_text())["vocab_size"]
    for name in ("ppl_clm", "ppl_sc"):
        assert library[name] == pytest.approx(1.0 / library[f"{name}_raw"])
        assert vocab / 3 < library[f"{name}_raw"] < vocab * 3  # a random model is near uniform
    assert 0.0 <= library["kshot_cms"] <= 1.0 and library["kshot_rag"] == 0.0  # EM of noise is 0
    assert library["kshot_cms"] == pytest.approx(
        np.mean([library["detail"][f"kshot_cms_{s}"]["acc"] for s in ("boolq", "piqa")])
    )
    assert library["config"]["seeds"]["fewshot_random_seed"] == 1234
    assert library["config"]["n_docs"]["kshot_cms_boolq"] == 4


def test_sftcast_cli_gives_the_library_numbers(library: dict, setup: dict[str, Path], capsys) -> None:
    out = setup["root"] / "cli.json"
    argv = ["proxies", "--model", str(setup["model"]), "--data", str(setup["data"]), "--out", str(out),
            "--batch-size", "4"]  # fmt: skip
    assert main(argv) == 0
    record = json.loads(out.read_text())
    for name in (*PROXIES, "ppl_clm_raw", "ppl_sc_raw", "ppl_clm_bpb"):
        assert record[name] == library[name], name
    assert "lm_eval --model hf" in capsys.readouterr().err


def test_fast_backend_gives_the_plain_hf_numbers(library: dict, setup: dict[str, Path]) -> None:
    """compute_proxies' default lm-eval model (sftcast_hf, shared prompts) against plain hf."""
    assert library["config"]["backend"] == "sftcast_hf" and library["lm_eval_command"][2] == "hf"
    plain = compute_proxies(str(setup["model"]), setup["data"], batch_size=4, backend="hf",
                            tasks_dir=setup["root"] / "hf_tasks")  # fmt: skip
    for name in (*PROXIES, "ppl_clm_raw", "ppl_sc_raw", "ppl_clm_bpb", "kshot_rag_acc", "kshot_cbqa_acc"):
        assert library[name] == pytest.approx(plain[name], rel=1e-6, abs=1e-9), name
    assert library["detail"].keys() == plain["detail"].keys()
    for task, metrics in plain["detail"].items():
        for metric, value in metrics.items():
            # a softmax over ~20 candidates turns float rounding of the log-likelihoods into ~1e-6 of it
            rel = 1e-5 if metric == "gold_prob" else 1e-6
            assert library["detail"][task][metric] == pytest.approx(value, rel=rel, abs=1e-9), (task, metric)
    with pytest.raises(SftcastError, match="unknown backend"):
        compute_proxies(str(setup["model"]), setup["data"], backend="vllm")


def test_shared_prefix_requests_equal_hf_requests(setup: dict[str, Path], monkeypatch) -> None:
    """sftcast_hf's _loglikelihood_tokens against HFLM's on hand requests: shared contexts, contexts
    left-truncated by a short max_length (shared per continuation length), a lone context and
    rolling windows (both HFLM's own code), in one call."""
    from lm_eval.models.huggingface import HFLM

    from benchmark.harness.shared_prefix import SharedPrefixLM

    fast = SharedPrefixLM(pretrained=str(setup["model"]), device="cpu", batch_size=2, max_length=16)
    plain = HFLM(pretrained=str(setup["model"]), device="cpu", batch_size=2, max_length=16)
    shared: list[int] = []  # continuations per shared pass

    def spy(contexts, continuations, owner):
        shared.append(len(continuations))
        return SharedPrefixLM._score_shared(fast, contexts, continuations, owner)

    monkeypatch.setattr(fast, "_score_shared", spy)
    a, long = list(range(5, 10)), [(7 * i) % 300 + 3 for i in range(30)]
    requests = [
        (("a", "1"), a, [11]), (("a", "2"), a, [12, 13]), (("a", "3"), a, [14, 15, 16]),
        (("l", "1"), long, [21, 22]), (("l", "2"), long, [23, 24]), (("l", "3"), long, [25, 26, 27]),
        (("l", "4"), long, [28, 29, 30]),
        (("l", "5"), long, list(range(40, 56))),  # the whole window: a one-token context, alone
        (("s", "1"), [30, 31], [32, 33]),  # a lone context
        (None, [1], long[:16]), (None, long[:1], long[1:17]),  # rolling windows
    ]  # fmt: skip
    got, want = fast._loglikelihood_tokens(requests), plain._loglikelihood_tokens(requests)
    # long[-15:] (2 continuations of 2 tokens) alone: beside long[-14:]'s 3-token ones a batch would be
    # 15 + 3 - 1 = 17 tokens wide, past max_length; then long[-14:] (2) and a (3) together
    assert shared == [2, 5]
    for (ll, greedy), (ll_hf, greedy_hf) in zip(got, want, strict=True):
        assert ll == pytest.approx(ll_hf, rel=1e-5, abs=1e-5) and greedy == greedy_hf


@pytest.mark.slow
def test_lm_eval_cli_gives_the_library_numbers(library: dict, setup: dict[str, Path]) -> None:
    out = setup["root"] / "lm_eval_out"
    cmd = lm_eval_command(str(setup["model"]), library["config"]["tasks_dir"], batch_size=4, output_path=out)
    cmd[0:1] = [sys.executable, "-m", "lm_eval"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    (results_file,) = out.rglob("results_*.json")
    cli = proxies_from_results(json.loads(results_file.read_text()))
    for name in (*PROXIES, "ppl_clm_raw", "ppl_sc_raw", "ppl_clm_bpb", "kshot_rag_acc"):
        assert cli[name] == pytest.approx(library[name], rel=1e-6), name


# ---------------------------------------------------------------------------------------------
# task scores for SFT, and free signals of a pre-training run


def test_evaluate_task(setup: dict[str, Path]) -> None:
    cms = evaluate_task(str(setup["model"]), "cms", setup["data"], split="test", num_fewshot=0)
    assert set(cms["per_dataset"]) == {"boolq", "piqa"} and cms["em"] is None
    assert cms["acc"] == pytest.approx(np.mean([d["acc"] for d in cms["per_dataset"].values()]))
    assert cms["num_fewshot"] == 0 and cms["n_docs"] == {"boolq": 4, "piqa": 4}
    rag = evaluate_task(str(setup["model"]), "rag", setup["data"], num_fewshot=2, limit=2)
    assert rag["per_dataset"]["nq_open"]["em"] == 0.0 and rag["gold_loglik"] < 0
    with pytest.raises(SftcastError, match="unknown task"):
        evaluate_task(str(setup["model"]), "cmss", setup["data"])


def test_free_signals_of_a_pretraining_run(setup: dict[str, Path]) -> None:
    from transformers import AutoTokenizer, LlamaConfig

    from benchmark.produce.pretrain import TrainConfig, train

    tok = AutoTokenizer.from_pretrained(setup["model"])
    texts = [
        json.loads(line)["text"] for line in (setup["data"] / "heldout_text.jsonl").read_text().splitlines()
    ]
    ids = tok(texts)["input_ids"]
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        tie_word_embeddings=True,
    )
    cfg = TrainConfig(seq_len=32, batch_size=4, max_steps=4, warmup_steps=1, num_threads=1)
    run = setup["root"] / "run"
    summary = train(ids, tok, config, cfg, run, device="cpu", progress_bar=False)
    signals = free_signals(run, setup["data"], limit=2, proxies=["ppl_clm"])
    assert sorted(signals["checkpoints"]) == [1, 2, 3, 4]
    assert signals["final_loss"] == summary["final_loss"]
    assert signals["param_norm"] == pytest.approx(summary["param_norm"], rel=1e-5)
    for step in signals["checkpoints"].values():
        assert math.isfinite(step["proxies"]["ppl_clm"]) and "ppl_sc" not in step["proxies"]
