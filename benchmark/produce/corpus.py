"""Pre-training corpora: the paper's domain mixtures, domain tagging and length filtering.

One code path mixes documents from per-domain streams, whether the streams come from the seeded
world (``build_corpus``) or from real SlimPajama rows (``read_slimpajama``). ``mix_documents``
fills a token budget in memory; ``iter_mixed_documents`` is its streaming form (same shares,
filter and tags) for corpora too large to hold, used by ``benchmark.produce.stream``.

Conventions, chosen once here:

- **Shares are in tokens**, counted by ``count_tokens`` (default: whitespace words) on the text
  *before* its domain tag. A domain is filled until its token count is as close as it can get to
  ``share x n_tokens``.
- **Length quantiles are per domain.** Documents of different domains differ in length by an order
  of magnitude (books against wikipedia), so global quantiles would remove whole domains and break
  the mixture; per-domain quantiles keep the mixture and filter within each domain. The quantiles
  are computed on the first ``CALIBRATION_DOCS`` documents of each world stream, or on all rows
  read for that domain from SlimPajama. Bounds are inclusive; ``q75-100`` has no upper bound.
- **Tags** prefix a document with its domain's tag and a space: ``"[Wikipedia] Ada ..."``.
- **QA text** (``qa_mix``) takes that fraction of the token budget and the mixture shares the
  rest; it is tagged ``[QA]`` and only concerns the training half of the world's people.
"""

from __future__ import annotations

import difflib
import json
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.core.errors import SftcastError
from benchmark.produce.world.documents import iter_documents

# Table 3 of Zeng et al. (2025), in percent of tokens.
MIXTURES: dict[str, dict[str, float]] = {
    "DC-0": {"commoncrawl": 52.2, "c4": 26.7, "github": 5.2, "books": 4.2, "arxiv": 4.6, "wikipedia": 3.8,
             "stackexchange": 3.3},
    "DC-1": {"commoncrawl": 100.0},
    "DC-2": {"commoncrawl": 90.9, "github": 9.1},
    "DC-3": {"commoncrawl": 75.8, "github": 24.2},
    "DC-4": {"commoncrawl": 75.8, "wikipedia": 24.2},
    "DC-5": {"commoncrawl": 75.8, "github": 9.1, "books": 7.9, "wikipedia": 7.3},
}  # fmt: skip

DOMAIN_TAGS = {
    "commoncrawl": "[CommonCrawl]",
    "c4": "[C4]",
    "github": "[GitHub]",
    "books": "[Books]",
    "arxiv": "[ArXiv]",
    "wikipedia": "[Wikipedia]",
    "stackexchange": "[StackExchange]",
    "qa": "[QA]",
}

# SlimPajama's meta.redpajama_set_name -> our domain
SLIMPAJAMA_SETS = {
    "RedPajamaCommonCrawl": "commoncrawl",
    "RedPajamaC4": "c4",
    "RedPajamaGithub": "github",
    "RedPajamaBook": "books",
    "RedPajamaArXiv": "arxiv",
    "RedPajamaWikipedia": "wikipedia",
    "RedPajamaStackExchange": "stackexchange",
}

LENGTH_FILTERS: dict[str, tuple[float, float] | None] = {
    "none": None,
    "q25-75": (0.25, 0.75),
    "q75-100": (0.75, 1.0),
}
CALIBRATION_DOCS = 256
_MAX_SKIPS = 50  # documents that would overshoot a domain's budget, tried before the domain is closed

for _name, _mix in MIXTURES.items():  # the table's rounding: DC-5 sums to 100.1; shares are normalised
    assert abs(sum(_mix.values()) - 100.0) < 0.2, _name


@dataclass(frozen=True)
class Document:
    """A corpus document: ``text`` carries the tag if tagging is on; ``n_tokens`` counts the untagged text."""

    domain: str
    text: str
    n_tokens: int


def whitespace_tokens(text: str) -> int:
    """The default token count: whitespace-separated words."""
    return len(text.split())


def mixture_shares(mixture: str, qa_mix: float = 0.0) -> dict[str, float]:
    """Token fractions per domain (summing to 1), with ``qa_mix`` of them given to ``"qa"``."""
    if mixture not in MIXTURES:
        close = difflib.get_close_matches(mixture, MIXTURES, n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise SftcastError(f"unknown mixture {mixture!r}{hint} (known: {', '.join(MIXTURES)})")
    if not 0.0 <= qa_mix < 1.0:
        raise SftcastError(f"qa_mix must lie in [0, 1), got {qa_mix}")
    total = sum(MIXTURES[mixture].values())
    shares = {d: (1.0 - qa_mix) * pct / total for d, pct in MIXTURES[mixture].items()}
    if qa_mix > 0:
        shares["qa"] = qa_mix
    return shares


def length_bounds(lengths: Iterable[int], length_filter: str) -> tuple[float, float]:
    """Inclusive (low, high) token-length bounds of ``length_filter`` over a sample of lengths."""
    if length_filter not in LENGTH_FILTERS:
        raise SftcastError(f"unknown length_filter {length_filter!r} (known: {', '.join(LENGTH_FILTERS)})")
    spec = LENGTH_FILTERS[length_filter]
    if spec is None:
        return -np.inf, np.inf
    values = np.asarray(list(lengths), dtype=float)
    if values.size == 0:
        raise SftcastError("cannot compute length quantiles of an empty domain")
    lo, hi = np.quantile(values, spec)
    return (float(lo) if spec[0] > 0 else -np.inf), (float(hi) if spec[1] < 1 else np.inf)


def mix_documents(
    streams: Mapping[str, Iterable[str]],
    shares: Mapping[str, float],
    n_tokens: int,
    *,
    domain_tagging: bool = False,
    length_filter: str = "none",
    seed: int = 0,
    count_tokens: Callable[[str], int] | None = None,
    calibration: int | None = CALIBRATION_DOCS,
) -> list[Document]:
    """Fill each domain's token budget from its stream, filter by length, tag, and shuffle.

    Args:
        streams: domain -> texts (endless or finite); every domain in ``shares`` needs one.
        shares: domain -> fraction of ``n_tokens`` (see ``mixture_shares``).
        calibration: how many leading documents of each stream set the length quantiles;
            ``None`` uses the whole (finite) stream.
    Returns:
        Documents of all domains in a seeded random order.
    """
    count = count_tokens or whitespace_tokens
    missing = set(shares) - set(streams)
    if missing:
        raise SftcastError(f"no documents for domain(s) {', '.join(sorted(missing))}")
    out: list[Document] = []
    for domain, share in shares.items():
        candidates = length_filtered(streams[domain], count, length_filter, calibration)
        out += _fill(domain, candidates, share * n_tokens, domain_tagging)
    random.Random(f"mix/{seed}").shuffle(out)
    return out


def iter_mixed_documents(
    streams: Mapping[str, Iterable[str]],
    shares: Mapping[str, float],
    *,
    domain_tagging: bool = False,
    length_filter: str = "none",
    count_tokens: Callable[[str], int] | None = None,
    calibration: int | None = CALIBRATION_DOCS,
) -> Iterator[Document]:
    """The streaming form of ``mix_documents``: an endless interleave with no token budget.

    Same streams, shares, length filter (quantiles from the leading ``calibration`` documents of
    each stream, which are then used, not discarded) and tags as ``mix_documents``. The next
    document always comes from the domain furthest below its share (ties: the order of
    ``shares``), so **every prefix** of the output follows the mixture to within one document
    per domain, and the order is a pure function of the streams: no RNG, nothing held in memory.
    The output stops when the domain it needs next runs dry (a finite source): past that point
    the mixture could not hold. Consumers shuffle downstream (``train.ObjectiveDataset`` permutes
    windows).
    """
    count = count_tokens or whitespace_tokens
    missing = set(shares) - set(streams)
    if missing:
        raise SftcastError(f"no documents for domain(s) {', '.join(sorted(missing))}")
    candidates = {
        d: length_filtered(streams[d], count, length_filter, calibration) for d, s in shares.items() if s > 0
    }
    totals = dict.fromkeys(candidates, 0)
    while True:
        domain = min(totals, key=lambda d: totals[d] / shares[d])
        item = next(candidates[domain], None)
        if item is None:
            return
        text, n = item
        totals[domain] += n
        yield Document(domain, tag_text(domain, text) if domain_tagging else text, n)


def tag_text(domain: str, text: str) -> str:
    """``text`` prefixed with its domain's tag and a space: ``"[Wikipedia] Ada ..."``."""
    return DOMAIN_TAGS.get(domain, f"[{domain}]") + " " + text


def length_filtered(
    stream: Iterable[str],
    count: Callable[[str], int],
    length_filter: str,
    calibration: int | None = CALIBRATION_DOCS,
) -> Iterator[tuple[str, int]]:
    """(text, token count) of the documents of one domain's stream that pass ``length_filter``.

    The quantile bounds come from the stream's first ``calibration`` documents (all of it when
    ``None``); those documents are kept in the output too.
    """
    stream = iter(stream)
    head = list(stream) if calibration is None else list(islice(stream, calibration))
    counted = [(text, count(text)) for text in head]
    lo, hi = length_bounds((n for _, n in counted), length_filter)
    return ((text, n) for text, n in _chain(counted, ((t, count(t)) for t in stream)) if lo <= n <= hi)


def _chain(first: list[tuple[str, int]], rest: Iterator[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    yield from first
    yield from rest


def _fill(domain: str, candidates: Iterator[tuple[str, int]], target: float, tagging: bool) -> list[Document]:
    docs, total, skips = [], 0, 0
    for text, n in candidates:
        if total >= target or skips >= _MAX_SKIPS:
            break
        if total + n - target > target - total:  # overshoots more than it fills: try a shorter one
            skips += 1
            continue
        docs.append(Document(domain, tag_text(domain, text) if tagging else text, n))
        total += n
    return docs


def domain_shares(docs: Iterable[Document]) -> dict[str, float]:
    """Token fraction of each domain in ``docs``."""
    totals: dict[str, int] = {}
    for doc in docs:
        totals[doc.domain] = totals.get(doc.domain, 0) + doc.n_tokens
    grand = sum(totals.values()) or 1
    return {d: n / grand for d, n in totals.items()}


# ---- the seeded world --------------------------------------------------------------------------
def build_corpus_documents(
    world,
    mixture: str = "DC-0",
    n_tokens: int = 1_200_000,
    domain_tagging: bool = False,
    length_filter: str = "none",
    seed: int = 0,
    count_tokens: Callable[[str], int] | None = None,
    qa_mix: float = 0.0,
) -> list[Document]:
    """``build_corpus``, returning ``Document`` records (domain, text, token count)."""
    shares = mixture_shares(mixture, qa_mix)
    streams = {domain: iter_documents(world, domain, seed=seed) for domain in shares}
    return mix_documents(
        streams,
        shares,
        n_tokens,
        domain_tagging=domain_tagging,
        length_filter=length_filter,
        seed=seed,
        count_tokens=count_tokens,
    )


def build_corpus(
    world,
    mixture: str = "DC-0",
    n_tokens: int = 1_200_000,
    domain_tagging: bool = False,
    length_filter: str = "none",
    seed: int = 0,
    count_tokens: Callable[[str], int] | None = None,
    qa_mix: float = 0.0,
) -> list[str]:
    """Documents from ``world`` whose per-domain token shares follow ``mixture`` (Table 3).

    Args:
        world: a ``benchmark.produce.world.World``.
        mixture: one of ``MIXTURES`` (DC-0 .. DC-5).
        n_tokens: total token budget, counted by ``count_tokens`` without tags.
        domain_tagging: prefix each document with its tag, e.g. ``"[Wikipedia] "``.
        length_filter: ``"none"``, ``"q25-75"`` or ``"q75-100"`` (per-domain token-length quantiles).
        seed: selects the document streams and the final order.
        count_tokens: str -> int, e.g. ``lambda s: len(tok.encode(s))``; default whitespace words.
        qa_mix: fraction of the budget given to QA text about the training-half people.
    Returns:
        The documents' texts, in a seeded random order.

    >>> from benchmark.produce.world import World
    >>> docs = build_corpus(World.generate("micro"), "DC-4", n_tokens=5_000, domain_tagging=True)
    >>> docs[0].startswith(("[CommonCrawl] ", "[Wikipedia] "))
    True
    """
    docs = build_corpus_documents(
        world, mixture, n_tokens, domain_tagging, length_filter, seed, count_tokens, qa_mix
    )
    return [d.text for d in docs]


# ---- real SlimPajama ---------------------------------------------------------------------------
def iter_slimpajama(
    path_or_repo_id: str, split: str = "train", streaming: bool = True, data_files=None
) -> Iterator[tuple[str, str]]:
    """(domain, text) for each SlimPajama-schema row, via ``datasets.load_dataset``.

    A local ``.parquet`` / ``.json(l)`` file is read with the matching builder; a local folder or
    a Hub id (e.g. ``cerebras/SlimPajama-627B``) goes to ``load_dataset`` as is. Rows whose
    ``meta.redpajama_set_name`` is not one of ``SLIMPAJAMA_SETS`` are skipped.
    """
    from datasets import load_dataset

    path = Path(path_or_repo_id)
    if path.is_file():
        builder = "parquet" if path.suffix == ".parquet" else "json"
        dataset = load_dataset(builder, data_files=str(path), split=split, streaming=streaming)
    else:
        dataset = load_dataset(path_or_repo_id, split=split, streaming=streaming, data_files=data_files)
    for row in dataset:
        meta = row.get("meta") or {}
        if isinstance(meta, str):
            meta = json.loads(meta)
        domain = SLIMPAJAMA_SETS.get(meta.get("redpajama_set_name", ""))
        if domain is not None:
            yield domain, row["text"]


def read_slimpajama_documents(
    path_or_repo_id: str,
    mixture: str,
    n_docs: int,
    split: str = "train",
    streaming: bool = True,
    domain_tagging: bool = False,
    length_filter: str = "none",
    seed: int = 0,
    count_tokens: Callable[[str], int] | None = None,
    n_tokens: int | None = None,
    data_files=None,
) -> list[Document]:
    """Mix real SlimPajama rows by ``mixture`` with the same tagging and length filter as the world.

    Reads the first ``n_docs`` rows (streamed by default), groups them by
    ``meta.redpajama_set_name``, and fills each domain's share of a budget of ``n_tokens``
    (default: the largest budget every domain of the mixture can fill from the rows read).
    Length quantiles are computed per domain over the rows read.
    """
    shares = mixture_shares(mixture)
    count = count_tokens or whitespace_tokens
    by_domain: dict[str, list[str]] = {d: [] for d in shares}
    for domain, text in islice(iter_slimpajama(path_or_repo_id, split, streaming, data_files), n_docs):
        if domain in by_domain:
            by_domain[domain].append(text)
    empty = [d for d, texts in by_domain.items() if not texts]
    if empty:
        raise SftcastError(
            f"no rows for domain(s) {', '.join(empty)} in the first {n_docs} rows of {path_or_repo_id}"
        )
    # The largest budget every domain can fill after filtering, so the mixture holds exactly.
    feasible = np.inf
    for domain, texts in by_domain.items():
        lengths = [count(t) for t in texts]
        lo, hi = length_bounds(lengths, length_filter)
        feasible = min(feasible, sum(n for n in lengths if lo <= n <= hi) / shares[domain])
    budget = int(feasible if n_tokens is None else min(n_tokens, feasible))
    return mix_documents(
        by_domain,
        shares,
        budget,
        domain_tagging=domain_tagging,
        length_filter=length_filter,
        seed=seed,
        count_tokens=count,
        calibration=None,
    )


def read_slimpajama(path_or_repo_id: str, mixture: str, n_docs: int, **options: Any) -> list[str]:
    """The texts of ``read_slimpajama_documents`` (same arguments)."""
    return [d.text for d in read_slimpajama_documents(path_or_repo_id, mixture, n_docs, **options)]
