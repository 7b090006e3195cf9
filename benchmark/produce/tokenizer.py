"""The byte-level BPE tokenizer, carrying the special tokens the objectives need.

The tokenizer adds no tokens on its own (no post-processor): the objectives place BOS, EOS,
sentinels and mode tokens themselves, so ``add_special_tokens`` has no effect on encoding.
Byte-level BPE never needs ``<unk>``; it is declared only so every tokenizer has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from benchmark.core.errors import SftcastError
from benchmark.harness.special_tokens import ALL, BOS, EOS, MODES, PAD, SENTINELS, UNK

_N_BYTES = 256


def train_tokenizer(
    texts: Iterable[str], vocab_size: int = 1024, min_frequency: int = 2
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE of ``vocab_size`` entries (special tokens and 256 bytes included).

    >>> tok = train_tokenizer(["the cork ball floats"] * 50, vocab_size=400)
    >>> tok.decode(tok("the cork ball floats")["input_ids"])
    'the cork ball floats'
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if vocab_size < len(ALL) + _N_BYTES:
        raise SftcastError(f"vocab_size must be at least {len(ALL) + _N_BYTES} (special tokens + 256 bytes)")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(ALL),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        additional_special_tokens=[*MODES, *SENTINELS],
        clean_up_tokenization_spaces=False,
    )


def ensure_special_tokens(tok: PreTrainedTokenizerBase) -> int:
    """Add any of ``benchmark.harness.special_tokens.ALL`` that ``tok`` lacks; return how many were added.

    For tokenizers not trained here (the GPU presets may use any ``AutoTokenizer``); a model
    must then ``resize_token_embeddings(len(tok))``.
    """
    vocab = tok.get_vocab()
    added = 0
    for attr, token in (("pad_token", PAD), ("bos_token", BOS), ("eos_token", EOS), ("unk_token", UNK)):
        if getattr(tok, attr) is None:
            added += tok.add_special_tokens({attr: token})
    missing = [t for t in (*MODES, *SENTINELS) if t not in vocab]
    if missing:
        added += tok.add_tokens(missing, special_tokens=True)  # same call in transformers 4 and 5
    return added


def load_tokenizer(path_or_repo_id: str | Path, **kwargs) -> PreTrainedTokenizerBase:
    """``AutoTokenizer.from_pretrained``, then ``ensure_special_tokens`` (a no-op for ours)."""
    try:
        tok = AutoTokenizer.from_pretrained(str(path_or_repo_id), **kwargs)
    except (OSError, ValueError) as exc:
        raise SftcastError(f"cannot load a tokenizer from {path_or_repo_id!r}: {exc}") from exc
    ensure_special_tokens(tok)
    return tok


def sentinel_ids(tok: PreTrainedTokenizerBase) -> list[int]:
    """Ids of ``<extra_id_0>``, ``<extra_id_1>``, ... in order."""
    return _ids(tok, SENTINELS)


def mode_ids(tok: PreTrainedTokenizerBase) -> dict[str, int]:
    """Ids of the UL2 mode tokens: ``{"[NLU]": ..., "[NLG]": ..., "[S2S]": ...}``."""
    return dict(zip(MODES, _ids(tok, MODES), strict=True))


def token_counter(tok: PreTrainedTokenizerBase) -> Callable[[str], int]:
    """A ``count_tokens`` for ``benchmark.produce.corpus``: the number of ids ``tok`` gives a text."""
    return lambda text: len(tok(text, add_special_tokens=False)["input_ids"])


def _ids(tok: PreTrainedTokenizerBase, tokens: Iterable[str]) -> list[int]:
    vocab = tok.get_vocab()
    missing = [t for t in tokens if t not in vocab]
    if missing:
        raise SftcastError(f"tokenizer lacks {missing[:3]}...; call ensure_special_tokens(tok) first")
    return [vocab[t] for t in tokens]
