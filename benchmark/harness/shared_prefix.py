"""An lm-eval model, ``sftcast_hf``: ``hf`` with each context run once for all its continuations.

lm-eval's ``hf`` model scores every (context, continuation) request as its own sequence, so a
question with 20 candidate answers runs its prompt 20 times; that is most of the time of the
task-family scores (``evaluate_family``), where the QA families score all candidate values. This
subclass of ``HFLM`` changes only ``_loglikelihood_tokens``: requests are grouped by context; a
batch of contexts (left-padded, positions counted from each context's first token) runs once
with the key-value cache kept, the cache rows are repeated for each continuation, and the
continuations run in one more batched call. Tasks, request construction, metrics and generation
are lm-eval's own. Requests whose context plus continuation exceed the model's length fall back
to ``HFLM`` (its left truncation differs per continuation).

The sums of log-probabilities equal ``hf``'s up to float rounding (tests compare them);
``is_greedy`` is computed the same way. Use it by name after importing this module:
``simple_evaluate(model="sftcast_hf", ...)``; ``runner.evaluate_family(backend="sftcast_hf")``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from lm_eval.api.registry import register_model
from lm_eval.models.huggingface import HFLM

Request = tuple[tuple[str, str], list[int], list[int]]


@register_model("sftcast_hf")
class SharedPrefixLM(HFLM):
    """``HFLM`` (causal models) scoring each distinct context once; see the module docstring."""

    def _loglikelihood_tokens(
        self, requests: list[Request], disable_tqdm: bool = False, override_bs: int | None = None
    ) -> list[tuple[float, bool]]:
        if self.backend != "causal":
            return super()._loglikelihood_tokens(requests, disable_tqdm, override_bs)
        results: list[Any] = [None] * len(requests)
        groups: dict[tuple[int, ...], list[int]] = {}
        too_long = []
        for k, (_, context, continuation) in enumerate(requests):
            if len(context) + len(continuation) > self.max_length + 1:
                too_long.append(k)
            else:
                groups.setdefault(tuple(context), []).append(k)
        if too_long:
            long_requests = [requests[k] for k in too_long]
            fallback = super()._loglikelihood_tokens(long_requests, disable_tqdm, override_bs)
            for k, r in zip(too_long, fallback, strict=True):
                results[k] = r
        contexts = sorted(groups, key=lambda c: (-len(c), c))  # similar lengths batch together
        step = override_bs or (self.batch_size if isinstance(self.batch_size, int) else 8)
        for i in range(0, len(contexts), step):
            chunk = contexts[i : i + step]
            members = [(c, k) for c in range(len(chunk)) for k in groups[chunk[c]]]
            continuations = [requests[k][2] for _, k in members]
            scored = self._score_shared(list(chunk), continuations, [c for c, _ in members])
            for (_, k), r in zip(members, scored, strict=True):
                results[k] = r
                self.cache_hook.add_partial("loglikelihood", requests[k][0], r)
        return results

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
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
        first = F.log_softmax(out.logits[:, -1].float(), -1)  # predicts each continuation's first token
        index = torch.tensor(owner, device=device)
        cache = out.past_key_values
        rest = max(len(c) for c in continuations) - 1
        totals = [float(first[o, c[0]]) for o, c in zip(owner, continuations, strict=True)]
        greedy = [int(first[o].argmax()) == c[0] for o, c in zip(owner, continuations, strict=True)]
        if rest > 0:
            cache.batch_select_indices(index)
            cont_ids = torch.zeros((len(continuations), rest), dtype=torch.long)
            for j, c in enumerate(continuations):
                cont_ids[j, : len(c) - 1] = torch.tensor(c[:-1])
            cont_ids = cont_ids.to(device)
            cont_mask = torch.cat([mask[index], torch.ones_like(cont_ids)], dim=1)
            cont_pos = mask[index].sum(-1, keepdim=True) + torch.arange(rest, device=device)
            logits = self.model(
                input_ids=cont_ids, attention_mask=cont_mask, position_ids=cont_pos, past_key_values=cache
            ).logits
            logp = F.log_softmax(logits.float(), -1)
            for j, c in enumerate(continuations):
                if len(c) > 1:
                    targets = torch.tensor(c[1:], device=device)
                    part = logp[j, : len(c) - 1]
                    totals[j] += float(part.gather(-1, targets[:, None]).sum())
                    greedy[j] = greedy[j] and bool((part.argmax(-1) == targets).all())
        return [(t, g) for t, g in zip(totals, greedy, strict=True)]
