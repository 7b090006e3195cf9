"""Checks run before a model is loaded, so that a wrong argument fails in one sentence naming the fix.

``check_device`` refuses a CUDA device torch cannot see; ``check_causal_lm`` refuses what
``AutoModelForCausalLM`` cannot score: a missing folder, a folder without (or with a broken)
``config.json``, an encoder-decoder or encoder-only model, a missing tokenizer, a Hub id that does not load.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from benchmark.core.errors import SftcastError

CAUSAL_HEADS = ("ForCausalLM", "LMHeadModel")  # class-name endings of causal-LM heads
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")  # "gpt2", "EleutherAI/pythia-160m"


def check_device(device: str | None, option: str = "--device") -> None:
    """Raise ``SftcastError`` when ``device`` names CUDA (``cuda``, ``cuda:1``) and torch sees no such GPU."""
    if not device or not str(device).startswith("cuda"):
        return
    import torch

    if not torch.cuda.is_available():
        raise SftcastError(
            f"{option} {device} asked for, but torch sees no CUDA GPU: use {option} cpu "
            f"(torch {torch.__version__}{', a CPU-only build' if torch.version.cuda is None else ''})"
        )
    index = int(device.split(":", 1)[1]) if ":" in device else 0
    if index >= torch.cuda.device_count():
        raise SftcastError(
            f"{option} {device} asked for, but torch sees {torch.cuda.device_count()} GPU(s): "
            f"use cuda:0 to cuda:{torch.cuda.device_count() - 1}"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _load_config(model: str) -> Any:
    """The model's ``PretrainedConfig``, from a folder or a Hub id."""
    from transformers import AutoConfig

    path = Path(model).expanduser()
    looks_local = path.exists() or not HUB_ID.match(model) or model.startswith((".", "~"))
    if looks_local:
        if not path.exists():
            raise SftcastError(f"model folder {model} not found: give a checkpoint folder or a Hub id")
        if not path.is_dir():
            raise SftcastError(
                f"{model} is a file, not a checkpoint folder (model.save_pretrained(DIR) writes one)"
            )
        config = path / "config.json"
        if not config.is_file():
            inside = sorted(d.name for d in path.iterdir() if (d / "config.json").is_file())
            shown = ", ".join(inside[:3]) + (", ..." if len(inside) > 3 else "")
            hint = (
                f"; it holds checkpoint folders ({shown}): give those, e.g. {model.rstrip('/')}/*"
                if inside
                else " (model.save_pretrained(DIR) writes one)"
            )
            raise SftcastError(f"{model} has no config.json: not a transformers checkpoint folder{hint}")
        try:
            json.loads(config.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise SftcastError(
                f"{config} is not valid JSON ({_first_line(exc)}): fix it or save the model again"
            ) from exc
    try:
        return AutoConfig.from_pretrained(str(path) if looks_local else model)
    except (OSError, ValueError, KeyError) as exc:
        if looks_local:
            raise SftcastError(
                f"{path / 'config.json'} does not load in transformers ({_first_line(exc)}): fix it, "
                "or upgrade transformers for a newer architecture"
            ) from exc
        raise SftcastError(
            f"{model} is neither a folder nor a Hub id that loads ({_first_line(exc)}): check the name, "
            "the network, or that it is in the Hugging Face cache when HF_HUB_OFFLINE=1"
        ) from exc


def check_causal_lm(model: str, tokenizer: str | None = None) -> Any:
    """Raise ``SftcastError`` unless ``model`` (a folder or Hub id) is a decoder-only LM with a
    tokenizer (``tokenizer`` when given); return its config."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    config = _load_config(str(model))
    kind = getattr(config, "model_type", None) or type(config).__name__
    fix = "give a decoder-only checkpoint that AutoModelForCausalLM loads (GPT-2, Llama, Qwen2, ...)"
    if getattr(config, "is_encoder_decoder", False):
        raise SftcastError(f"{model} is an encoder-decoder model ({kind}), not a causal LM: {fix}")
    causal = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(kind)
    if causal is None:
        raise SftcastError(f"{model} is a {kind} model, which has no causal-LM head in transformers: {fix}")
    heads = {causal} if isinstance(causal, str) else set(causal)
    declared = list(getattr(config, "architectures", None) or [])
    if declared and not (heads & set(declared) or any(a.endswith(CAUSAL_HEADS) for a in declared)):
        raise SftcastError(f"{model} is a {', '.join(declared)} checkpoint, not a causal LM: {fix}")
    try:
        from transformers import AutoTokenizer

        AutoTokenizer.from_pretrained(str(tokenizer or model))
    except Exception as exc:  # noqa: BLE001 - any failure means the same fix
        raise SftcastError(
            f"no tokenizer loads from {tokenizer or model} ({_first_line(exc)}): save one beside the model "
            "(tokenizer.save_pretrained(DIR))"
        ) from exc
    return config
