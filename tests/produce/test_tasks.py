"""Tasks: the record contract, no train/test leakage, answers verifiable from the world,
the JSONL round trip, and the real-dataset loaders on local fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.core.errors import SftcastError
from benchmark.harness.records import is_partial, partial_contexts
from benchmark.produce.presets import get_preset
from benchmark.produce.tasks import (
    SPLITS,
    TASK_SUBSETS,
    TaskContext,
    build_tasks,
    export_tasks,
    get_subset,
    load_real,
    load_records,
    task_stats,
    validate_record,
)
from benchmark.produce.world import World

FIXTURES = Path(__file__).parents[1] / "fixtures" / "real"


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate("micro", seed=0)


@pytest.fixture(scope="module")
def tasks(world: World):
    return build_tasks(world, seed=0)


def _all(tasks):
    for task, subsets in tasks.items():
        for subset, splits in subsets.items():
            for split, records in splits.items():
                yield task, subset, split, records


def test_tasks_and_subsets_are_the_papers_shapes() -> None:
    assert TASK_SUBSETS == {
        "cbqa": ["nq_open", "trivia_qa", "hotpot_qa", "2wikimultihopqa"],
        "cms": ["boolq", "piqa", "hellaswag", "winogrande", "openbookqa"],
        "rag": ["nq_open", "trivia_qa", "hotpot_qa", "2wikimultihopqa"],
    }
    with pytest.raises(SftcastError, match="did you mean"):
        get_subset("cms", "bool")


def test_split_sizes_are_the_presets(world: World) -> None:
    assert TaskContext.create(world).sizes == get_preset("micro").split_sizes


def test_every_record_keeps_the_contract(tasks) -> None:
    for task, subset, split, records in _all(tasks):
        if split != "dev":
            assert len(records) >= 40, (task, subset, split)
        ids = [r["id"] for r in records]
        assert len(set(ids)) == len(ids)
        for r in records:
            validate_record(r)
            assert (r["task"], r["subset"]) == (task, subset)
            assert (
                r["prompt"].endswith(("Answer:", "Solution:", ".")) and r["answer"] == r["choices"][r["gold"]]
            )
            assert len(set(r["choices"])) == len(r["choices"])


def test_qa_choices_are_all_candidate_values(world: World, tasks) -> None:
    for task in ("rag", "cbqa"):
        for r in tasks[task]["nq_open"]["test"]:
            assert r["choices"] == world.candidates(r["hops"][0][1])


def test_every_answer_is_verifiable_from_the_world(world: World, tasks) -> None:
    for task, subset, _, records in _all(tasks):
        verify = get_subset(task, subset).verify
        assert all(verify(r, world) for r in records), (task, subset)
    # the verifier is not vacuous: a flipped answer fails it
    r = dict(tasks["cms"]["boolq"]["test"][0])
    r["answer"] = "no" if r["answer"] == "yes" else "yes"
    assert not get_subset("cms", "boolq").verify(r, world)


def test_no_entity_or_question_leaks_between_splits(world: World, tasks) -> None:
    train_people, held_out = world.split_entities()
    train_names = {p.name for p in train_people}
    for task, subsets in tasks.items():
        for subset, splits in subsets.items():
            entities = {s: {e for r in splits[s] for e in r["entities"]} for s in SPLITS}
            questions = {s: {(r["prompt"], tuple(r["choices"])) for r in splits[s]} for s in SPLITS}
            for a, b in (("train", "test"), ("train", "dev"), ("dev", "test")):
                assert not entities[a] & entities[b], (task, subset, a, b)
                assert not questions[a] & questions[b], (task, subset, a, b)
            if (
                task in ("rag", "cbqa") and subset != "trivia_qa"
            ):  # CBQA trains on the corpus's QA half and tests on held-out people
                people = {e for r in splits["test"] for e in r["entities"]} & {p.name for p in world.people}
                assert people and not people & train_names
                prompts = {r["prompt"] for r in splits["train"]}
                assert not prompts & {r["prompt"] for r in splits["test"]}


def test_test_sets_hold_several_paraphrases_per_fact(tasks) -> None:
    facts: dict[tuple, int] = {}
    for r in tasks["cbqa"]["nq_open"]["test"]:
        key = tuple(map(tuple, r["hops"]))
        facts[key] = facts.get(key, 0) + 1
    assert min(facts.values()) == max(facts.values()) == 4


def test_rag_contexts_come_from_bm25_with_distractors(tasks) -> None:
    records = [r for s in TASK_SUBSETS["rag"] for r in tasks["rag"][s]["test"]]
    assert all(r["passages"] and r["prompt"].startswith("Passage: ") for r in records)
    recall = sum(r["gold_in_context"] for r in records) / len(records)
    assert 0.3 < recall < 1.0  # retrieval is real: usually right, sometimes wrong
    two_hop = [r for r in tasks["rag"]["hotpot_qa"]["test"]]
    assert all(len(r["passages"]) >= 3 for r in two_hop)
    assert sum(len(r["passages"]) > 3 for r in two_hop) > len(two_hop) / 2  # the second hop found links
    assert any(len({p.split("#")[0] for p in r["passages"]}) >= 2 for r in two_hop)


def test_build_is_deterministic_and_seeded(world: World, tasks) -> None:
    again = build_tasks(world, seed=0, tasks=["cms"])
    assert again["cms"] == tasks["cms"]
    other = build_tasks(world, seed=1, tasks=["cms"])
    assert other["cms"]["piqa"]["test"] != tasks["cms"]["piqa"]["test"]


def test_export_and_load_round_trip(tasks, tmp_path: Path) -> None:
    out = export_tasks(tasks, tmp_path / "tasks")
    for task, subset, split, records in _all(tasks):
        assert (out / task / subset / f"{split}.jsonl").exists()
        assert load_records(out, task, subset, split) == records
    with pytest.raises(SftcastError, match="no task file"):
        load_records(out, "cms", "boolq", "validation")
    stats = task_stats(tasks)
    assert stats["cms/boolq"]["choices"] == 2.0 and "gold_in_context" in stats["rag/hotpot_qa"]


def test_a_data_folder_written_with_the_old_family_key_still_loads(tasks, tmp_path: Path) -> None:
    records = tasks["cms"]["boolq"]["test"]
    old = [{("family" if k == "task" else k): v for k, v in r.items()} for r in records]
    path = tmp_path / "cms" / "boolq" / "test.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in old))
    assert load_records(tmp_path, "cms", "boolq", "test") == records


@pytest.mark.parametrize(
    ("task", "subset", "n"),
    [
        ("cms", "boolq", 3),
        ("cms", "piqa", 3),
        ("cms", "hellaswag", 2),  # the unlabelled row is skipped
        ("cms", "winogrande", 3),
        ("cms", "openbookqa", 3),
        ("rag", "nq_open", 3),
        ("rag", "trivia_qa", 2),
        ("rag", "hotpot_qa", 2),
        ("rag", "2wikimultihopqa", 2),
        ("cbqa", "trivia_qa", 2),
        ("cbqa", "hotpot_qa", 2),
    ],
)
def test_real_datasets_map_into_records(task: str, subset: str, n: int) -> None:
    records = load_real(task, subset, str(FIXTURES / subset))
    assert len(records) == n
    for r in records:
        validate_record(r)
        assert r["real"] and r["task"] == task
    if task == "rag" and subset != "nq_open":
        assert records[0]["prompt"].startswith("Passage: ")
    if task == "cbqa":
        assert records[0]["prompt"].startswith("Question: ")


def test_real_dataset_fields_map_as_in_lm_eval() -> None:
    assert load_real("cms", "winogrande", str(FIXTURES / "winogrande"))[1]["answer"] == "suitcase"
    assert load_real("cms", "openbookqa", str(FIXTURES / "openbookqa"))[1]["answer"] == "an iron nail"
    assert load_real("cms", "hellaswag", str(FIXTURES / "hellaswag"))[0]["prompt"].endswith("stove. He")
    assert load_real("cbqa", "nq_open", str(FIXTURES / "nq_open"))[0]["aliases"] == [
        "Mary Wollstonecraft Shelley"
    ]
    assert load_real("rag", "hotpot_qa", str(FIXTURES / "hotpot_qa"))[0]["answer"] == "England"
    with pytest.raises(SftcastError, match="not a cbqa dataset"):
        load_real("cbqa", "boolq", str(FIXTURES / "boolq"))


def test_partially_scored_records() -> None:
    """OpenBookQA-shaped records carry a continuation (the choice goes into the context); what a
    record or a file of records may hold is checked up front."""

    tasks = build_tasks(World.generate("micro", seed=0), tasks=["cms"])["cms"]
    item = tasks["openbookqa"]["test"][0]
    assert item["choices"][item["gold"]] == f"The {item['entity']}" and item["continuation"].endswith(".")
    assert partial_contexts(item) == [f"{item['prompt']} {c}" for c in item["choices"]]
    assert all(is_partial(split) for split in tasks["openbookqa"].values() if split)  # micro dev is empty
    assert not any(is_partial(split) for split in tasks["boolq"].values())
    with pytest.raises(SftcastError, match="some records have a continuation"):
        is_partial([item, tasks["boolq"]["test"][0]], "mixed.jsonl")
    for bad, match in (
        ({"continuation": None}, "continuation must be"),
        ({"continuation": " is light."}, "without leading space"),
        ({"choices": [c + " " for c in item["choices"]], "answer": item["answer"] + " "}, "must not end"),
        ({"prompt": item["prompt"] + "\n"}, "prompt must not end with whitespace"),
    ):
        with pytest.raises(SftcastError, match=match):
            validate_record({**item, **bad})
