"""The project's names, each defined once: tasks, proxies, score kinds and their versions.

A *task* is what a suite's labels are measured on: ``cms``, ``rag``, ``cbqa`` in zeng2025 and tiny
(each a mean over datasets, the paper's "task families"), ``flan``, ``wmt19``, ``gigaword`` in
lin2024. The word is "task" everywhere: the suite YAML's ``tasks:``, the pairs' ``task`` column,
``--task``, the data folder's ``<task>/<subset>/``. A task's datasets are its *subsets*; in lm-eval
each subset is a task and our task is a group. "Family" means only a model family (lin2024)."""

from __future__ import annotations

TASKS: tuple[str, ...] = ("cms", "rag", "cbqa")
"""The paper's three tasks: commonsense (CMS), retrieval-augmented QA (RAG), closed-book QA."""

PROXIES: tuple[str, ...] = ("ppl_clm", "ppl_sc", "kshot_cms", "kshot_rag", "kshot_cbqa")
"""The paper's five pre-SFT proxies, stored "higher is better" (perplexities as 1/ppl)."""

KSHOT_PROXIES: tuple[str, ...] = ("kshot_cms", "kshot_rag", "kshot_cbqa")

EXTRA_SIGNALS: tuple[str, ...] = ("kshot_facts", "kshot_props")
"""Cloze probes of the synthetic world beyond the paper's five proxies."""

SCORE_KINDS: tuple[str, ...] = ("acc", "em", "gold_loglik", "gold_prob")
"""Every score an SFT evaluation reports."""

PAPER_METRIC: dict[str, str] = {"cms": "acc", "rag": "em", "cbqa": "em"}
"""The paper's score per task."""

TASK_VERSIONS: dict[str, int] = {"cms": 2, "rag": 1, "cbqa": 1}
"""Version of each task's generated data: a bump marks proxies and SFT results of older data stale."""


def task_column(task: str) -> str:
    """The models-frame column holding the SFT label of a task."""
    return f"sft_{task}"
