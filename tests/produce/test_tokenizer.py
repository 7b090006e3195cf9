"""The BPE tokenizer: vocabulary size, special tokens as single ids, save and load round trip."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from benchmark.core.errors import SftcastError
from benchmark.harness.special_tokens import ALL, BOS, EOS, MODES, PAD, SENTINELS, UNK
from benchmark.produce.corpus import build_corpus
from benchmark.produce.tokenizer import (
    ensure_special_tokens,
    load_tokenizer,
    mode_ids,
    sentinel_ids,
    token_counter,
    train_tokenizer,
)
from benchmark.produce.world import World


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return build_corpus(World.generate("micro"), "DC-0", n_tokens=60_000, domain_tagging=True)


@pytest.fixture(scope="module")
def tok(texts) -> PreTrainedTokenizerFast:
    return train_tokenizer(texts, vocab_size=1024)


def test_vocabulary_and_special_tokens(tok):
    assert len(tok) == 1024
    assert (tok.pad_token, tok.bos_token, tok.eos_token, tok.unk_token) == (PAD, BOS, EOS, UNK)
    assert tok.pad_token_id != tok.eos_token_id
    for token in ALL:
        ids = tok(token, add_special_tokens=False)["input_ids"]
        assert ids == [tok.convert_tokens_to_ids(token)], token
    assert set(tok.convert_tokens_to_ids(list(ALL))) <= set(tok.all_special_ids)
    assert sentinel_ids(tok) == [tok.convert_tokens_to_ids(s) for s in SENTINELS]
    assert len(set(sentinel_ids(tok))) == len(SENTINELS)
    assert list(mode_ids(tok)) == list(MODES) and len(set(mode_ids(tok).values())) == 3


def test_round_trip_and_no_implicit_special_tokens(tok, texts):
    for text in texts[:50]:
        ids = tok(text)["input_ids"]
        assert tok.decode(ids) == text
        assert tok.bos_token_id not in ids and tok.eos_token_id not in ids
    mixed = "[NLU] Ada <extra_id_0> was born <extra_id_1> in a city.</s>"
    assert tok.decode(tok(mixed)["input_ids"]) == mixed
    assert tok.decode(tok(mixed)["input_ids"], skip_special_tokens=True) == " Ada  was born  in a city."
    assert 1.0 < token_counter(tok)(texts[0]) / len(texts[0].split()) < 4.0  # BPE compresses the world's text


def test_save_and_load_back(tok, tmp_path):
    tok.save_pretrained(tmp_path)
    auto = AutoTokenizer.from_pretrained(tmp_path)
    ours = load_tokenizer(tmp_path)
    text = "[S2S] <extra_id_99> The cork ball floats in water."
    for loaded in (auto, ours):
        assert len(loaded) == len(tok)
        assert loaded(text)["input_ids"] == tok(text)["input_ids"]
        assert loaded.pad_token_id == tok.pad_token_id and loaded.eos_token_id == tok.eos_token_id
        assert sentinel_ids(loaded) == sentinel_ids(tok) and mode_ids(loaded) == mode_ids(tok)
    with pytest.raises(SftcastError, match="cannot load"):
        load_tokenizer(tmp_path / "missing")


def test_foreign_tokenizer_gets_the_special_tokens(texts):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer, bpe.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(texts[:20], trainer=trainer)
    foreign = PreTrainedTokenizerFast(tokenizer_object=bpe)
    with pytest.raises(SftcastError, match="ensure_special_tokens"):
        sentinel_ids(foreign)
    assert ensure_special_tokens(foreign) == len(ALL)
    assert ensure_special_tokens(foreign) == 0
    assert foreign("<extra_id_7>", add_special_tokens=False)["input_ids"] == [sentinel_ids(foreign)[7]]
    assert foreign.pad_token == PAD


def test_vocab_too_small_is_refused(texts):
    with pytest.raises(SftcastError, match="vocab_size"):
        train_tokenizer(texts, vocab_size=300)
