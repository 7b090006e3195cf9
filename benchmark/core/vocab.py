"""The project's names, each defined once: task families, proxies, score kinds and their versions.

A *task family* (``cms``, ``rag``, ``cbqa``) is what a suite's labels are measured on; the word is
"family" everywhere (a suite YAML's ``tasks:`` key names families, and ``sft_<family>`` holds the
label)."""

from __future__ import annotations

FAMILIES: tuple[str, ...] = ("cms", "rag", "cbqa")
"""The paper's three task families: commonsense (CMS), retrieval-augmented QA (RAG), closed-book QA."""

PROXIES: tuple[str, ...] = ("ppl_clm", "ppl_sc", "kshot_cms", "kshot_rag", "kshot_cbqa")
"""The paper's five pre-SFT proxies, stored "higher is better" (perplexities as 1/ppl)."""

KSHOT_PROXIES: tuple[str, ...] = ("kshot_cms", "kshot_rag", "kshot_cbqa")

EXTRA_SIGNALS: tuple[str, ...] = ("kshot_facts", "kshot_props")
"""Cloze probes of the synthetic world beyond the paper's five proxies."""

SCORE_KINDS: tuple[str, ...] = ("acc", "em", "gold_loglik", "gold_prob")
"""Every score an SFT evaluation reports."""

PAPER_METRIC: dict[str, str] = {"cms": "acc", "rag": "em", "cbqa": "em"}
"""The paper's score per family."""

FAMILY_VERSIONS: dict[str, int] = {"cms": 2, "rag": 1, "cbqa": 1}
"""Version of each family's generated tasks: a bump marks proxies and SFT results of older tasks stale."""


def task_column(family: str) -> str:
    """The models-frame column holding the SFT label of a family."""
    return f"sft_{family}"
