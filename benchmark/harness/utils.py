"""Functions the YAML tasks beside this file reach through ``!function utils.NAME``.

lm-eval calls the loaders as ``custom_dataset(**metadata, **dataset_kwargs)``. ``metadata`` holds
the task YAML's ``metadata`` block merged with the run's metadata, which both the ``lm_eval`` CLI
and ``benchmark.harness.evaluator`` fill with the model arguments (``pretrained=...``). The
perplexity loaders use that to count tokens with the evaluated model's own tokenizer, exactly as
``HFLM`` does, so the reported perplexity is per token of that model.
"""

from __future__ import annotations

import json
import logging
import math
import re
import string
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from benchmark.core.errors import SftcastError
from benchmark.harness.records import is_partial
from benchmark.harness.records import partial_contexts as records_partial_contexts
from benchmark.harness.spans import IGNORE, SpecialIds, span_corrupt
from benchmark.harness.special_tokens import EOS, SENTINELS

logger = logging.getLogger(__name__)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL file, one per non-empty line."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _dataset_dict(splits: dict[str, list[dict[str, Any]]]) -> Any:
    import datasets

    return datasets.DatasetDict({name: datasets.Dataset.from_list(rows) for name, rows in splits.items()})


# ---------------------------------------------------------------------------------------------
# k-shot tasks: one JSONL per split


TASK_FIELDS = ("id", "task", "subset", "prompt", "choices", "gold", "answer")


def load_jsonl_splits(data_files: dict[str, str], **_: Any) -> Any:
    """``custom_dataset`` for the tasks: ``{split: path}`` -> a ``DatasetDict``.

    Only ``TASK_FIELDS`` are kept, and ``continuation`` where every row of the split has one
    (partial scoring, ``kshot_partial.yaml``); generators may add their own fields (hops, ...).
    """
    out = {}
    for split, path in data_files.items():
        rows = read_jsonl(path)
        keep = TASK_FIELDS + (("continuation",) if is_partial(rows, str(path)) else ())
        out[split] = [{k: r[k] for k in keep} for r in rows]
    return _dataset_dict(out)


def partial_files(*paths: str | Path) -> bool:
    """Whether the task files' records are partially scored (``continuation``); non-empty files
    that disagree, or a file that mixes both kinds, raise ``SftcastError``."""
    kinds = {is_partial(rows, str(p)) for p in paths if (rows := read_jsonl(p))}
    if len(kinds) > 1:
        raise SftcastError(f"{', '.join(map(str, paths))}: partially scored in some files, not in others")
    return kinds == {True}


def partial_gold(doc: dict[str, Any]) -> int:
    """``doc_to_text`` of ``kshot_partial.yaml``: an int, which tells lm-eval that the choices are
    the contexts (its multiple-input mode, as in Winogrande), and which context is the gold one."""
    return int(doc["gold"])


def partial_contexts(doc: dict[str, Any]) -> list[str]:
    """``doc_to_choice`` of ``kshot_partial.yaml``: ``benchmark.harness.records.partial_contexts``."""
    return records_partial_contexts(doc)






def load_cloze_splits(data_files: dict[str, str], **_: Any) -> Any:
    """``custom_dataset`` of ``kshot_cloze.yaml``: each split's facts stated as corpus sentences,
    read from the ``*.cloze.jsonl`` files the producer writes beside the task files; a split with
    none raises."""
    splits = {}
    for split, path in data_files.items():
        splits[split] = read_jsonl(path) if Path(path).is_file() else []
        if not splits[split]:
            raise SftcastError(
                f"{path}: no world fact to state (the producer's prepare_data writes the cloze docs of "
                "world tasks: single-hop questions with `hops`, CMS rows with `entity`, `attribute`, `asked`)"
            )
    return _dataset_dict(splits)

def choice_scores(logliks: Sequence[float], gold: int) -> dict[str, float]:
    """One multiple-choice item's scores from its choices' log-likelihoods: accuracy (argmax), the
    gold choice's log-likelihood, and its probability among the choices (``gold_prob``: the
    softmax of the log-likelihoods). Both SFT evaluators score items with this."""
    lls = np.asarray(logliks, dtype=float)
    probs = np.exp(lls - lls.max())
    return {
        "acc": float(int(np.argmax(lls)) == gold),
        "gold_loglik": float(lls[gold]),
        "gold_prob": float(probs[gold] / probs.sum()),
    }


def process_choices(doc: dict[str, Any], results: Sequence[tuple[float, bool]]) -> dict[str, float]:
    """lm-eval's ``process_results`` for multiple choice over ``doc["choices"]``: ``choice_scores``."""
    return choice_scores([float(r[0]) for r in results], int(doc["gold"]))


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation and collapse whitespace (SQuAD-style, articles kept)."""
    text = text.lower().translate(str.maketrans("", "", string.punctuation))
    return " ".join(text.split())


def exact_match(prediction: str, answer: str) -> float:
    """1.0 when the generation's first line equals ``answer`` after ``normalize_answer``, else 0.0.

    The one exact-match rule: the harness's tasks and SFT's direct evaluator both use it.
    """
    return float(normalize_answer(prediction.split("\n", 1)[0]) == normalize_answer(answer))


def process_generation(doc: dict[str, Any], results: Sequence[str]) -> dict[str, float]:
    """Exact match of the greedy generation (cut at the first newline) with ``doc["answer"]``."""
    return {"exact_match": exact_match(results[0], doc["answer"])}


# ---------------------------------------------------------------------------------------------
# perplexity tasks on held-out pre-training text


@lru_cache(maxsize=4)
def _load_tokenizer(name: str, revision: str | None, trust_remote_code: bool, use_fast: bool) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(
        name, revision=revision, trust_remote_code=trust_remote_code, use_fast=use_fast
    )


def model_tokenizer(metadata: dict[str, Any]) -> tuple[Any, dict[str, bool]]:
    """The tokenizer ``HFLM`` builds from the same model arguments, and its ``encode`` kwargs."""
    name = metadata.get("tokenizer") or metadata.get("pretrained")
    if not isinstance(name, str):
        raise ValueError(
            "the perplexity tasks count tokens with the model's tokenizer: pass the model as "
            "--model_args pretrained=PATH (or --metadata '{\"tokenizer\": PATH}')"
        )
    tok = _load_tokenizer(
        name,
        metadata.get("revision"),
        _as_bool(metadata.get("trust_remote_code", False)),
        _as_bool(metadata.get("use_fast_tokenizer", True)),
    )
    add_bos = metadata.get("add_bos_token")  # HFLM: None leaves the tokenizer's own default
    return tok, ({} if add_bos is None else {"add_special_tokens": _as_bool(add_bos)})


def _as_bool(value: Any) -> bool:
    return value.lower() in ("true", "1") if isinstance(value, str) else bool(value)


def load_heldout_clm(data_files: dict[str, str], **metadata: Any) -> Any:
    """``custom_dataset`` for ``ppl_clm``: held-out documents with their token, word and byte counts.

    Token counts are ``len(tokenizer.encode(text))``, the tokens ``HFLM.loglikelihood_rolling``
    scores; word and byte counts follow lm-eval's own ``word_perplexity`` and ``byte_perplexity``.
    """
    tok, kwargs = model_tokenizer(metadata)
    rows = []
    for i, record in enumerate(read_jsonl(data_files["test"])):
        text = record["text"]
        rows.append({
            "id": str(record.get("id", i)),
            "text": text,
            "n_tokens": len(tok.encode(text, **kwargs)),
            "n_words": len(re.split(r"\s+", text)),
            "n_bytes": len(text.encode("utf-8")),
        })  # fmt: skip
    return _dataset_dict({"test": rows})


def process_rolling(doc: dict[str, Any], results: Sequence[float]) -> dict[str, tuple[float, int]]:
    """(log-likelihood, count) pairs for lm-eval's ``weighted_perplexity``/``bits_per_byte``."""
    ll = float(results[0])
    return {
        "token_perplexity": (ll, doc["n_tokens"]),
        "word_perplexity": (ll, doc["n_words"]),
        "byte_perplexity": (ll, doc["n_bytes"]),
        "bits_per_byte": (ll, doc["n_bytes"]),
    }


def token_windows(docs: Sequence[Sequence[int]], eos: int, size: int) -> list[list[int]]:
    """The pre-training stream's windows: ``docs`` packed, each followed by ``eos``, and cut into
    consecutive windows of exactly ``size`` ids, the incomplete last one dropped
    (``benchmark.produce.pretrain``).

    Fixed-size windows give every request the training geometry (the same number of noise tokens
    and spans, the targets at the same positions); the tiny SC model was measured at token
    perplexity 76 on windows cut per document (90 tokens on average) and 40 on these.

    >>> token_windows([[1, 2, 3], [4, 5], [6, 7, 8, 9]], eos=0, size=5)
    [[1, 2, 3, 0, 4], [5, 0, 6, 7, 8]]
    """
    stream = [t for doc in docs for t in (*doc, eos)]
    return [stream[i : i + size] for i in range(0, len(stream) - size + 1, size)]


class SCRendering(NamedTuple):  # not a dataclass: lm-eval loads this file outside sys.modules
    """How span corruption on a tokenizer's ids is written as text for lm-eval.

    ``special`` is what ``span_corrupt`` inserts; ``texts`` maps each inserted id (sentinels, EOS)
    to the string that stands for it. ``native``: the tokenizer has the sentinels and EOS as
    special tokens, so ``HFLM`` reads each string back as that one id.
    """

    special: SpecialIds
    texts: dict[int, str]
    native: bool


def sc_rendering(tok: Any) -> SCRendering:
    """The ``SCRendering`` of a Hugging Face tokenizer.

    A tokenizer of this project (or any passed through ``benchmark.produce.tokenizer.ensure_special_tokens``,
    as every suite model's is) has ``<extra_id_i>`` and ``</s>``: the real ``SpecialIds.from_tokenizer``.
    A foreign tokenizer without them gets ids past its vocabulary that render as the text sentinels
    ``<extra_id_i>`` that ``ensure_special_tokens`` would add, and EOS as its own EOS token (``</s>``
    as text if it has none). ``HFLM`` then splits each text sentinel into several ordinary tokens,
    all scored and counted in the continuation: the perplexity is no longer the SC training loss
    (the model never saw sentinels) and compares only with other foreign models, by bits per byte.
    """
    try:
        special = SpecialIds.from_tokenizer(tok)
        native = True
    except SftcastError:
        vocab = tok.get_vocab()
        spare = iter(range(max(len(tok), max(vocab.values(), default=-1) + 1), 1 << 62))
        sentinels = tuple(vocab.get(t, next(spare)) for t in SENTINELS)
        eos = tok.eos_token_id if tok.eos_token_id is not None else next(spare)
        special = SpecialIds(pad=next(spare), eos=eos, sentinels=sentinels, nlu=next(spare),
                             nlg=next(spare), s2s=next(spare))  # fmt: skip
        native = False
    texts = dict(zip(special.sentinels, SENTINELS, strict=True))
    texts[special.eos] = tok.eos_token if native or tok.eos_token_id is not None else EOS
    return SCRendering(special, texts, native)


def span_corruption_ids(
    ids: Sequence[int],
    rng: np.random.Generator,
    special: SpecialIds,
    density: float = 0.15,
    mean_span: float = 3.0,
) -> tuple[list[int], int] | None:
    """``(sequence, first)``: ``span_corrupt`` of the whole window ``ids``, unpadded; None if too short.

    ``sequence`` is the SC training sequence (corrupted input, then targets); ``sequence[first:]``
    are exactly its loss tokens (after the first target sentinel, which carries no loss).
    """
    n = len(ids)
    if n < 2:
        return None
    example = span_corrupt(np.asarray(ids, dtype=np.int64), rng, special, 3 * n + 1, density, mean_span)
    length = int(example.attention_mask.sum())
    loss = (example.labels[:length] != IGNORE).tolist()
    if True not in loss:
        return None
    return example.input_ids[:length].tolist(), loss.index(True)


def render_ids(tok: Any, ids: Sequence[int], texts: dict[int, str]) -> str:
    """Text of ``ids``: runs of ordinary ids decoded by ``tok``, the ids in ``texts`` as those strings."""
    out: list[str] = []
    run: list[int] = []
    for t in [*ids, None]:
        if t is not None and t not in texts:
            run.append(t)
            continue
        if run:
            out.append(tok.decode(run, skip_special_tokens=False, clean_up_tokenization_spaces=False))
            run = []
        if t is not None:
            out.append(texts[t])
    return "".join(out)


def span_corruption_request(
    ids: Sequence[int],
    rng: np.random.Generator,
    tok: Any,
    density: float = 0.15,
    mean_span: float = 3.0,
    rendering: SCRendering | None = None,
) -> tuple[str, str] | None:
    """``(context, continuation)`` of one PPL-SC request over a window of ``tok``'s ids; None if too short.

    The spans are chosen by ``benchmark.harness.spans.span_corrupt`` on the token ids, as in SC
    pre-training. The split mirrors the SC training loss: the context is the corrupted input plus
    the first target sentinel (no loss in training), the continuation the rest of the targets and
    EOS. With a native tokenizer (``sc_rendering``) the context ends on a special token, so
    ``HFLM``'s split of ``context + continuation`` falls exactly there, and the continuation's
    tokens are the training loss tokens whenever decoding re-encodes to the same ids (byte-level
    BPE usually does; ``load_heldout_sc`` checks every request and warns otherwise).
    """
    rendering = rendering or sc_rendering(tok)
    built = span_corruption_ids(ids, rng, rendering.special, density, mean_span)
    if built is None:
        return None
    sequence, first = built
    texts = rendering.texts
    return render_ids(tok, sequence[:first], texts), render_ids(tok, sequence[first:], texts)


def load_heldout_sc(
    data_files: dict[str, str],
    sc_density: float = 0.15,
    sc_mean_span: float = 3.0,
    sc_seed: int = 1234,
    sc_window_tokens: int = 112,
    **metadata: Any,
) -> Any:
    """``custom_dataset`` for ``ppl_sc``: one span-corruption request per token window of held-out text.

    The documents are tokenized by the evaluated model's tokenizer (without special tokens) and
    cut as the pre-training stream is, ``token_windows(ids, eos, sc_window_tokens)``; window ``g``
    is corrupted by ``span_corrupt`` with ``numpy.random.default_rng([sc_seed, g])``.
    ``n_tokens`` counts the continuation's tokens as ``HFLM`` splits them (the tokens of
    ``context + continuation`` after those of ``context``). ``exact`` says whether those are the
    window's training loss tokens (and the tokens before them its training input); a warning
    gives the number of requests where they are not. Set ``sc_window_tokens`` to
    ``benchmark.harness.spans.raw_length(seq_len, 0.15, 3.0, 0)`` (115 for 128) of the suite for
    exactly its training windows; the default 112 fits the tiny preset with room to spare.
    """
    tok, kwargs = model_tokenizer(metadata)
    rendering = sc_rendering(tok)
    corrupt = dict(special=rendering.special, density=float(sc_density), mean_span=float(sc_mean_span))
    docs = [tok.encode(r["text"], add_special_tokens=False) for r in read_jsonl(data_files["test"])]
    windows = token_windows(docs, rendering.special.eos, int(sc_window_tokens))
    if not windows:
        raise SftcastError(f"ppl_sc: the held-out text has fewer than {sc_window_tokens} tokens")
    rows = []
    for g, window in enumerate(windows):
        rng = np.random.default_rng([int(sc_seed), g])
        built = span_corruption_ids(window, rng, **corrupt)
        if built is None:
            continue
        sequence, first = built
        context = render_ids(tok, sequence[:first], rendering.texts)
        continuation = render_ids(tok, sequence[first:], rendering.texts)
        whole = tok.encode(context + continuation, **kwargs)
        n_context = len(tok.encode(context, **kwargs))  # HFLM._encode_pair's split
        exact = whole[n_context:] == sequence[first:]
        exact = exact and whole[max(n_context - first, 0) : n_context] == sequence[:first]
        rows.append({
            "id": f"window-{g}",
            "context": context,
            "continuation": continuation,
            "n_tokens": len(whole) - n_context,
            "n_bytes": len(continuation.encode("utf-8")),
            "exact": exact,
        })  # fmt: skip
    inexact = sum(not r["exact"] for r in rows)
    if inexact and rendering.native:
        logger.warning("ppl_sc: %d of %d requests re-tokenize to other ids", inexact, len(rows))
    elif not rendering.native:
        logger.warning("ppl_sc: the tokenizer has no <extra_id_i> sentinels; they are scored as plain text")
    return _dataset_dict({"test": rows})


def process_span_corruption(
    doc: dict[str, Any], results: Sequence[tuple[float, bool]]
) -> dict[str, tuple[float, int]]:
    """(log-likelihood of the targets, count) pairs for ``weighted_perplexity``."""
    ll = float(results[0][0])
    return {"token_perplexity": (ll, doc["n_tokens"]), "byte_perplexity": (ll, doc["n_bytes"])}


def perplexity(total_loglik: float, count: int) -> float:
    """``exp(-total / count)``, lm-eval's ``weighted_perplexity``."""
    return math.exp(-total_loglik / count)
