"""The real-data path: a SlimPajama-schema source -> the variant's mixture -> token ids on disk.

``sftcast produce pretrain --preset paper1b --variant N --data PATH_OR_REPO_ID`` cannot hold 20B tokens in
memory, so the corpus is streamed once through the same mixer as the world
(``corpus.iter_mixed_documents``: Table 3 shares, tags, length filter), tokenized in batches with
the suite tokenizer, and appended to a flat binary file of ids (``uint16`` when the vocabulary
fits, else ``uint32``), each document followed by EOS. Training reads it through ``TokenFile``, a
lazily opened ``numpy.memmap``, with the same ``train.ObjectiveDataset`` as the world path.

Why pre-tokenised shards on disk rather than an ``IterableDataset`` that tokenizes on the fly:

- **Exact resume for free.** Example ``g`` stays a pure function of ``(seed, g)``: window
  ``perm_e[g mod n]`` of a fixed file. A resumed run needs no stream position, and a kill costs
  nothing to replay (an iterable stream would have to re-read and re-tokenize up to 20B tokens,
  or carry reader state out of every DataLoader worker).
- **Sharding is the existing one.** ``accelerate`` shards the map-style batches across DDP
  ranks, and DataLoader workers fetch whole batches; no per-rank or per-worker stream splitting to
  get wrong.
- **A global shuffle.** Windows are permuted over the whole corpus, not within a shuffle buffer.
- **Written once, shared.** The file is keyed by its data settings, not by variant: the 50
  paper1b variants use 11 distinct (mixture, tagging, filter) settings, so 11 files of
  2 bytes/token (about 40 GB each at 20B tokens). The first process to take the file lock writes
  it; the other variants and DDP ranks wait on the lock (no NCCL barrier, so no timeout) and then
  map it. A preempted Slurm task finds it finished and skips straight to training.

The cost is one sequential pass before the first step (reading, mixing and tokenizing; the
tokenizer's batch encoding runs in Rust threads) and the disk space above. Measured on a busy
2-core CPU with the micro BPE: 0.23-0.39M tokens/s, about the in-memory world path's 0.40M, and
training reads the mapped file as fast as an in-memory stream. At that rate one process needs
most of a day for 20B tokens: each document is tokenized twice (once per document to count it
for the mixture and filter, once in the batched write), and the pass is not split across ranks.

**Reading a mixture from one row stream.** SlimPajama rows of all sets come interleaved in one
stream. ``split_domains`` routes them into per-domain queues, read once; a queue holds at most
``QUEUE_DOCS`` documents and rows arriving at a full queue are dropped. A domain the mixture
wants more of than SlimPajama has (GitHub is 5.2% of SlimPajama but 24.2% of DC-3) therefore reads
further into the source while the surplus of the others is skipped, in bounded memory. Which rows
are dropped depends only on queue fill, never on content, and the order is deterministic.

**Length-filter quantiles** come from the first ``STREAM_CALIBRATION_DOCS`` documents of each
domain's stream (after routing), counted in the suite tokenizer's tokens, untagged; those
documents are then used like any other. (The world path calibrates on ``CALIBRATION_DOCS`` = 256;
real text varies more, so the streamed path takes 1024, a quantile error of about +-1.4 points.)
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from benchmark.core.errors import SftcastError
from benchmark.produce.corpus import Document, iter_mixed_documents, iter_slimpajama, mixture_shares

SLIMPAJAMA_HUB_ID = "cerebras/SlimPajama-627B"  # the paper1b default; opened only at run time
STREAM_CALIBRATION_DOCS = 1024  # leading documents per domain that set the length quantiles
QUEUE_DOCS = 1024  # per-domain read-ahead; rows arriving at a full queue are skipped
ENCODE_BATCH = 512  # documents per batched tokenizer call
FORMAT = 1  # bump when the file layout changes, so old caches are not reused


# ---------------------------------------------------------------------------------------------
# documents


def split_domains(
    rows: Iterable[tuple[str, str]], domains: Iterable[str], queue_docs: int = QUEUE_DOCS
) -> dict[str, Iterator[str]]:
    """Per-domain text streams over one ``(domain, text)`` row stream, which is read once.

    Pulling from domain ``d`` reads rows until one of ``d`` arrives; rows of other wanted domains
    are queued (at most ``queue_docs`` each, later ones dropped), rows of unwanted domains skipped.
    A stream ends when its queue is empty and the rows are exhausted.

    >>> s = split_domains([("c4", "a"), ("github", "b"), ("c4", "c")], ["c4", "github"])
    >>> next(s["github"]), list(s["c4"])
    ('b', ['a', 'c'])
    """
    source = iter(rows)
    queues: dict[str, deque[str]] = {d: deque() for d in domains}

    def pull(domain: str) -> Iterator[str]:
        queue = queues[domain]
        while True:
            while not queue:
                row = next(source, None)
                if row is None:
                    return
                target = queues.get(row[0])
                if target is not None and len(target) < queue_docs:
                    target.append(row[1])
            yield queue.popleft()

    return {d: pull(d) for d in queues}


def stream_documents(
    data: str,
    mixture: str,
    *,
    domain_tagging: bool = False,
    length_filter: str = "none",
    count_tokens: Callable[[str], int] | None = None,
    split: str = "train",
    data_files: Any = None,
    calibration: int | None = STREAM_CALIBRATION_DOCS,
) -> Iterator[Document]:
    """The mixed document stream of a SlimPajama-schema source (file, folder or Hub id).

    ``corpus.iter_mixed_documents`` over ``split_domains`` of ``corpus.iter_slimpajama``
    (streamed through ``datasets``); it ends when a domain of the mixture runs dry.
    """
    shares = mixture_shares(mixture)
    rows = iter_slimpajama(data, split, streaming=True, data_files=data_files)
    return iter_mixed_documents(
        split_domains(rows, shares),
        shares,
        domain_tagging=domain_tagging,
        length_filter=length_filter,
        count_tokens=count_tokens,
        calibration=calibration,
    )


# ---------------------------------------------------------------------------------------------
# token ids on disk


class TokenFile:
    """A packed token-id stream on disk, read as int64 windows: ``len(f)``, ``f[a:b]``.

    The memmap opens on first access and is not pickled, so DataLoader workers (fork or spawn)
    each map the file instead of copying it.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.meta = json.loads(self.path.with_suffix(".json").read_text())
        self.n_tokens = int(self.meta["n_tokens"])
        self.dtype = np.dtype(self.meta["dtype"])
        self._map: np.memmap | None = None

    def _array(self) -> np.memmap:
        if self._map is None:
            self._map = np.memmap(self.path, dtype=self.dtype, mode="r", shape=(self.n_tokens,))
        return self._map

    def __len__(self) -> int:
        return self.n_tokens

    def __getitem__(self, key: int | slice) -> Any:
        out = self._array()[key]
        return int(out) if np.ndim(out) == 0 else np.asarray(out, dtype=np.int64)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_map": None}

    def __repr__(self) -> str:
        return f"TokenFile({str(self.path)!r}, n_tokens={self.n_tokens}, dtype={self.dtype.name})"


def write_token_file(docs: Iterable[Document], tok: Any, path: str | Path, n_tokens: int) -> TokenFile:
    """Tokenize ``docs`` in batches and write their ids (each + EOS) to ``path``, up to ``n_tokens``.

    The last document is cut at the budget. Writes ``path`` (raw ids) and ``path.json`` (count,
    dtype, documents and tokens per domain) via temporary names, so a kill leaves no half file
    under the final name. Fewer tokens are written, with a warning, if ``docs`` runs out first.
    """
    path = Path(path)
    dtype = np.dtype(np.uint16 if len(tok) <= 2**16 else np.uint32)
    eos = tok.eos_token_id
    written, n_docs, by_domain = 0, 0, {}
    t0 = time.perf_counter()
    tmp = path.with_name(path.name + ".tmp")
    docs = iter(docs)
    with open(tmp, "wb") as fh:
        while written < n_tokens:
            batch = list(islice(docs, ENCODE_BATCH))
            if not batch:
                break
            encoded = tok([d.text for d in batch], add_special_tokens=False)["input_ids"]
            for doc, ids in zip(batch, encoded, strict=True):
                ids = np.asarray([*ids, eos], dtype=dtype)[: n_tokens - written]
                ids.tofile(fh)
                written += len(ids)
                n_docs += 1
                by_domain[doc.domain] = by_domain.get(doc.domain, 0) + len(ids)
                if written >= n_tokens:
                    break
    if written == 0:
        tmp.unlink()
        raise SftcastError("the data source yielded no documents for this mixture and filter")
    if written < n_tokens:
        warnings.warn(
            f"the data source ran dry after {written} of {n_tokens} tokens (a domain of the mixture "
            "is exhausted); training repeats these in epochs",
            stacklevel=2,
        )
    meta = {
        "format": FORMAT,
        "n_tokens": written,
        "budget": n_tokens,
        "dtype": dtype.name,
        "n_docs": n_docs,
        "tokens_by_domain": by_domain,
        "write_s": round(time.perf_counter() - t0, 3),
    }
    meta_tmp = path.with_name(path.name + ".json.tmp")
    meta_tmp.write_text(json.dumps(meta, indent=2))
    tmp.rename(path)
    meta_tmp.rename(path.with_suffix(".json"))  # last: its presence marks a finished file
    return TokenFile(path)


def tokenizer_fingerprint(tok: Any) -> str:
    """A short hash of a tokenizer's vocabulary and rules: the cache key's tokenizer part."""
    backend = getattr(tok, "backend_tokenizer", None)
    text = backend.to_str() if backend is not None else json.dumps(sorted(tok.get_vocab().items()))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def source_id(data: str) -> str:
    """A local path, made absolute (so the cache key is independent of the working folder), or a Hub id."""
    path = Path(data)
    return str(path.resolve()) if path.exists() else data


def prepare_tokens(
    data: str,
    tok: Any,
    mixture: str,
    *,
    domain_tagging: bool,
    length_filter: str,
    n_tokens: int,
    cache_dir: str | Path,
    split: str = "train",
    data_files: Any = None,
) -> TokenFile:
    """The variant's corpus as a ``TokenFile`` under ``cache_dir``, written once and then reused.

    The file is keyed by everything that decides its content (source, split, mixture, tagging,
    filter, budget, tokenizer, format), named ``{mixture}-{tag|notag}-{filter}-{hash}/tokens.bin``.
    A file lock makes concurrent callers (DDP ranks, other variants) wait for the first writer.
    """

    from benchmark.produce.tokenizer import token_counter

    spec = {
        "format": FORMAT,
        "data": source_id(data),
        "split": split,
        "data_files": data_files,
        "mixture": mixture,
        "domain_tagging": domain_tagging,
        "length_filter": length_filter,
        "n_tokens": n_tokens,
        "calibration": STREAM_CALIBRATION_DOCS,
        "queue_docs": QUEUE_DOCS,
        "tokenizer": tokenizer_fingerprint(tok),
    }
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:10]
    folder = Path(cache_dir) / f"{mixture}-{'tag' if domain_tagging else 'notag'}-{length_filter}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tokens.bin"
    with FileLock(str(folder / "write.lock")):
        if not path.with_suffix(".json").exists():
            (folder / "spec.json").write_text(json.dumps(spec, indent=2, default=str))
            docs = stream_documents(
                data,
                mixture,
                domain_tagging=domain_tagging,
                length_filter=length_filter,
                count_tokens=token_counter(tok),
                split=split,
                data_files=data_files,
            )
            return write_token_file(docs, tok, path, n_tokens)
    return TokenFile(path)


def sample_texts(data: str, mixture: str, n_words: int, **kwargs: Any) -> list[str]:
    """Leading texts of ``stream_documents`` (tagged DC-0 for the suite tokenizer) up to ``n_words``."""
    out, total = [], 0
    for doc in stream_documents(data, mixture, **kwargs):
        if total >= n_words:
            break
        out.append(doc.text)
        total += doc.n_tokens
    return out
