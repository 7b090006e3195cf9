"""An lm-eval model, ``sftcast_hf``: ``hf`` with each context run once for all its continuations.

lm-eval's ``hf`` model scores every (context, continuation) request as its own sequence, so a
question with 20 candidate answers runs its prompt 20 times; that is most of the time of the
k-shot proxies (``compute_proxies``: 5-shot contexts, ~20 candidates each) and of the task
scores (``evaluate_task``). This subclass of ``HFLM`` changes how ``_loglikelihood_tokens`` runs:

- requests are grouped by the context ``hf`` actually runs, after its left truncation
  (``(context + continuation)[-(max_length + 1):]`` minus the continuation), so a prompt longer
  than the model still shares its pass among the candidates of the same token length;
- a batch of such contexts (left-padded, positions counted from each context's first token) runs
  once with the key-value cache kept, the cache rows are repeated for each continuation, and the
  continuations run in one more batched call; a batch is never wider than ``max_length``, padding
  included, so positions stay inside learned position tables (GPT-2, OPT) and fixed causal masks
  (GPT-Neo); models without position ids (BLOOM, ALiBi) read positions off the attention mask;
- where there is nothing to share, ``HFLM``'s own code runs: contexts with a single continuation
  (``ppl_sc``), the windows of ``loglikelihood_rolling`` (``ppl_clm``) and requests ``hf`` rejects.
  Generation (``generate_until``, exact match) is ``HFLM``'s unchanged.

Within ``loglikelihood`` the tokenizer's encodings are memoized, so lm-eval's ``_encode_pair``
(which encodes ``context + continuation`` and ``context`` per request) encodes each prompt once.

Tasks, request construction, metrics and generation are lm-eval's own. The sums of
log-probabilities equal ``hf``'s up to float rounding (different batch shapes; ``tests/produce/test_sft.py``
and ``tests/harness/test_harness.py`` compare them, the proxies to 1e-6); ``is_greedy`` is computed the
same way. It is an implementation detail of speed: the documented equivalent command stays
``lm_eval --model hf ...`` (``runner.lm_eval_command``), which gives the same numbers.

Use it by name after importing this module: ``simple_evaluate(model="sftcast_hf", ...)``;
``runner.compute_proxies`` and ``runner.evaluate_task`` take ``backend="sftcast_hf"`` (the
former by default) or ``backend="hf"``.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
import torch.nn.functional as F
from lm_eval.api.registry import register_model
from lm_eval.models.huggingface import HFLM

Request = tuple[tuple[str, str] | None, list[int], list[int]]


@register_model("sftcast_hf")
class SharedPrefixLM(HFLM):
    """``HFLM`` (causal models) scoring each distinct context once; see the module docstring."""

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        """``HFLM.loglikelihood`` with ``tok_encode`` memoized for the call: ``_encode_pair`` encodes
        each request's context on its own, the same string once per candidate answer."""
        self._encodings: dict[tuple[Any, ...], list[int]] | None = {}
        try:
            return super().loglikelihood(requests, disable_tqdm)
        finally:
            self._encodings = None

    def tok_encode(
        self, string: str, add_special_tokens: bool | None = None, left_truncate_len: int | None = None,
        **kwargs: Any,
    ) -> list[int]:  # fmt: skip
        memo = getattr(self, "_encodings", None)
        if memo is None or kwargs:
            return super().tok_encode(string, add_special_tokens, left_truncate_len, **kwargs)
        key = (string, add_special_tokens, left_truncate_len)
        if key not in memo:
            memo[key] = super().tok_encode(string, add_special_tokens, left_truncate_len)
        return list(memo[key])

    def _loglikelihood_tokens(
        self, requests: list[Request], disable_tqdm: bool = False, override_bs: int | None = None
    ) -> list[tuple[float, bool]]:
        if self.backend != "causal":
            return super()._loglikelihood_tokens(requests, disable_tqdm, override_bs)
        limit = self.max_length
        groups: dict[tuple[int, ...], list[int]] = {}
        plain: list[int] = []  # rolling windows (no request string) and what HFLM rejects
        for k, (key, context, continuation) in enumerate(requests):
            if key is None or not context or not continuation or len(continuation) > limit:
                plain.append(k)
                continue
            # HFLM scores (context + continuation)[-(limit + 1):]: the context it sees is this
            seen = tuple(context[-(limit + 1 - len(continuation)) :])
            groups.setdefault(seen, []).append(k)
        for seen in [c for c, members in groups.items() if len(members) == 1]:
            plain += groups.pop(seen)  # nothing to share: HFLM's single pass is cheaper than two
        results: list[Any] = [None] * len(requests)
        if plain:
            plain.sort()
            scored = super()._loglikelihood_tokens([requests[k] for k in plain], disable_tqdm, override_bs)
            for k, r in zip(plain, scored, strict=True):
                results[k] = r
        contexts = sorted(groups, key=lambda c: (-len(c), c))  # similar lengths batch together
        step = override_bs or (self.batch_size if isinstance(self.batch_size, int) else 8)
        for chunk in self._chunks(contexts, groups, requests, step):
            members = [(c, k) for c in range(len(chunk)) for k in groups[chunk[c]]]
            continuations = [requests[k][2] for _, k in members]
            scored = self._score_shared(list(chunk), continuations, [c for c, _ in members])
            for (_, k), r in zip(members, scored, strict=True):
                results[k] = r
                self.cache_hook.add_partial("loglikelihood", requests[k][0], r)
        return results

    def _chunks(
        self, contexts: list[tuple[int, ...]], groups: dict[tuple[int, ...], list[int]],
        requests: list[Request], step: int,
    ) -> list[list[tuple[int, ...]]]:  # fmt: skip
        """Batches of at most ``step`` contexts whose padded width stays inside the model.

        A batch runs ``longest context + longest continuation - 1`` tokens per row, padding
        included, with positions up to one less. Each context fits with its own continuations
        (the grouping's truncation), but a long context beside another's long continuation would
        not: learned position tables (GPT-2, OPT) and fixed causal masks (GPT-Neo) end at
        ``max_length``, so such a context starts a new batch.
        """
        out: list[list[tuple[int, ...]]] = []
        width = rest = 0
        for c in contexts:
            longest = max(len(requests[k][2]) for k in groups[c])
            if out and len(out[-1]) < step and max(width, len(c)) + max(rest, longest) - 1 <= self.max_length:
                out[-1].append(c)
                width, rest = max(width, len(c)), max(rest, longest)
            else:
                out.append([c])
                width, rest = len(c), longest
        return out

    @torch.no_grad()
    def _score_shared(
        self, contexts: list[tuple[int, ...]], continuations: list[list[int]], owner: list[int]
    ) -> list[tuple[float, bool]]:
        """(sum of log-probs, greedy?) of each continuation after ``contexts[owner[j]]``."""
        device = self.device
        width = max(len(c) for c in contexts)
        ids = torch.zeros((len(contexts), width), dtype=torch.long)
        mask = torch.zeros((len(contexts), width), dtype=torch.long)
        for row, c in enumerate(contexts):
            ids[row, width - len(c) :] = torch.tensor(c)
            mask[row, width - len(c) :] = 1
        ids, mask = ids.to(device), mask.to(device)
        params = self._forward_params()
        # positions counted from each row's first token; models without position ids (ALiBi: BLOOM)
        # read them off the attention mask
        positions = {"position_ids": (mask.cumsum(-1) - 1).clamp(min=0)} if "position_ids" in params else {}
        last_only = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
        out = self.model(input_ids=ids, attention_mask=mask, use_cache=True, **positions,
                         **last_only)  # the context pass needs the last row of logits only  # fmt: skip
        first = F.log_softmax(out.logits[:, -1].float(), -1)  # predicts each continuation's first token
        index = torch.tensor(owner, device=device)
        lengths = torch.tensor([len(c) for c in continuations], device=device)
        rest = int(lengths.max()) - 1
        targets = torch.zeros((len(continuations), rest + 1), dtype=torch.long)
        for j, c in enumerate(continuations):
            targets[j, : len(c)] = torch.tensor(c)
        targets = targets.to(device)
        totals = first[index, targets[:, 0]]
        greedy = first[index].argmax(-1) == targets[:, 0]
        if rest > 0:
            cache = out.cache if "cache" in out else out.past_key_values  # renamed in 5.x
            cache.batch_select_indices(index)
            cont_ids = targets[:, :-1]  # each continuation but its last token; padding is 0
            cont_mask = torch.cat([mask[index], torch.ones_like(cont_ids)], dim=1)
            if positions:  # below width + rest - 1 <= max_length (_chunks), padding included
                cont_pos = mask[index].sum(-1, keepdim=True) + torch.arange(rest, device=device)
                positions = {"position_ids": cont_pos}
            cache_arg = "cache" if "cache" in params else "past_key_values"  # renamed in 5.x
            logits = self.model(
                input_ids=cont_ids, attention_mask=cont_mask, **positions, **{cache_arg: cache}
            ).logits
            logp = F.log_softmax(logits.float(), -1)
            later = targets[:, 1:]
            valid = torch.arange(rest, device=device) < (lengths - 1)[:, None]
            picked = logp.gather(-1, later[..., None]).squeeze(-1)
            totals = totals + torch.where(valid, picked, 0.0).sum(-1)
            greedy = greedy & ((logp.argmax(-1) == later) | ~valid).all(-1)
        return list(zip(totals.tolist(), greedy.tolist(), strict=True))

    def _forward_params(self) -> frozenset[str]:
        """The keyword arguments the model's ``forward`` names."""
        if getattr(self, "_params", None) is None:
            self._params = frozenset(inspect.signature(self.model.forward).parameters)
        return self._params
