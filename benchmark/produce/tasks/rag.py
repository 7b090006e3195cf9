"""RAG: the CBQA question sets, each with passages a BM25 retriever found for it.

The retriever (``bm25s``) indexes the world's ``wikipedia_passages()`` cut into sentences
("chunks", id ``"<passage id>#<n>"``), so that a context of a few chunks fits a tiny model's
128-token window. Single-hop questions get the top ``K_SINGLE`` chunks; two-hop questions get
the top ``K_HOP`` chunks for the question, then the top ``K_HOP`` new chunks for the question
expanded with the first hop's best chunk (the usual multi-hop query expansion). Retrieval is
real: it brings distractors (other facts about the same entity, other entities), sometimes
misses a gold chunk, and the chunks are shown in a seeded random order. Each record keeps the
chunk ids in ``passages`` and whether every hop's fact is in the context in ``gold_in_context``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from benchmark.produce.tasks.base import Subset, TaskContext, dedupe, finish, register_subset
from benchmark.produce.tasks.cbqa import QUESTION_SETS, verify_qa

if TYPE_CHECKING:
    pass

TASK = "rag"
K_SINGLE = 4  # chunks for a single-hop or comparison question
K_HOP = 3  # first-hop chunks for a bridge question
K_HOP2 = 2  # second-hop chunks, from the articles the first hop links to




def retrieve_contexts(ctx: TaskContext, questions: Sequence[dict[str, Any]]) -> list[list[int]]:
    """Chunk indices for each question.

    Single-hop and comparison questions: the top ``K_SINGLE`` chunks. Bridge (chained) questions:
    the top ``K_HOP`` chunks, then the ``K_HOP2`` best chunks (by BM25 score of the question) of
    the articles whose titles the first chunks mention, as a reader follows Wikipedia's links
    to the bridge entity's article, the second paragraph of HotpotQA.
    """
    retriever = ctx.retriever()
    texts = [q["question"] for q in questions]
    first = retriever.search(texts, k=K_SINGLE)
    out: list[list[int]] = [list(row) for row in first]
    for i, q in enumerate(questions):
        hops = q["hops"]
        if len(hops) < 2 or hops[1][0] != hops[0][2]:
            continue
        chosen = first[i][:K_HOP]
        linked = retriever.linked_chunks(chosen)
        scores = retriever.scores(texts[i])
        ranked = sorted(linked, key=lambda j: (-scores[j], j))
        out[i] = chosen + ranked[:K_HOP2]
    return out


def rag_prompt(chunks: Sequence[str], question: str) -> str:
    """One "Passage:" line per retrieved chunk, then the question in the CBQA format."""
    lines = [f"Passage: {c}" for c in chunks]
    return "\n".join([*lines, f"Question: {question}", "Answer:"])


def _fact_in(text: str, subject: str, value: str) -> bool:
    return subject in text and value in text


def _with_passages(subset: str) -> Callable[[TaskContext, str, random.Random], list[dict[str, Any]]]:
    def build(ctx: TaskContext, split: str, rng: random.Random) -> list[dict[str, Any]]:
        questions = dedupe(QUESTION_SETS[subset](ctx, split, rng), "question")
        contexts = retrieve_contexts(ctx, questions)
        retriever, items = ctx.retriever(), []
        for q, chunk_idx in zip(questions, contexts, strict=True):
            order = list(chunk_idx)
            rng.shuffle(order)
            chunks = [retriever.texts[j] for j in order]
            joined = " ".join(chunks)
            gold_in = all(any(_fact_in(c, s, v) for c in chunks) for s, _, v in q["hops"]) and bool(joined)
            items.append({
                "prompt": rag_prompt(chunks, q["question"]), **q,
                "passages": [retriever.ids[j] for j in order], "gold_in_context": gold_in,
            })  # fmt: skip
        for item in items:
            del item["question"]
        return finish(TASK, subset, split, items)

    return build


for _name in QUESTION_SETS:
    register_subset(
        Subset(TASK, _name, _name, _with_passages(_name), verify_qa, "retrieved passages + " + _name)
    )
