"""One cache key, the hash of the resolved configuration: what invalidates a cached result."""

from pathlib import Path

import benchmark.harness.evaluator as evaluator
import benchmark.produce.suite_runner as runner
from benchmark.core.cache import cache_key
from benchmark.core.vocab import EXTRA_SIGNALS, PROXIES

RUN = Path("runs/micro/seed0/v01")


def key(names, limit=4):
    return runner.proxy_cache(RUN, 10, limit, names).name


def test_the_key_is_a_stable_hash_of_the_configuration():
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
    assert cache_key({"a": 1}) != cache_key({"a": 2})
    assert key(PROXIES) == key(list(reversed(PROXIES)))  # the order of the names is not configuration


def test_a_task_version_bump_invalidates_the_proxies_that_read_that_task_only(monkeypatch):
    groups = [PROXIES, ("ppl_clm", "ppl_sc"), ("kshot_rag",), ("kshot_cms",)]
    before = {names: key(list(names)) for names in groups}
    monkeypatch.setitem(runner.TASK_VERSIONS, "cms", runner.TASK_VERSIONS["cms"] + 1)
    after = {names: key(list(names)) for names in before}
    assert after[PROXIES] != before[PROXIES] and after[("kshot_cms",)] != before[("kshot_cms",)]
    assert after[("ppl_clm", "ppl_sc")] == before[("ppl_clm", "ppl_sc")]  # perplexities read no task
    assert after[("kshot_rag",)] == before[("kshot_rag",)]


def test_a_signal_version_bump_invalidates_that_signal_only(monkeypatch):
    facts, props = key(["kshot_facts"]), key(["kshot_props"])
    specs = evaluator.proxy_specs()
    bumped = {**specs, "kshot_props": {**specs["kshot_props"], "version": 2}}
    monkeypatch.setattr(runner, "proxy_specs", lambda: bumped)
    monkeypatch.setattr(evaluator, "proxy_specs", lambda: bumped)
    assert key(["kshot_props"]) != props and key(["kshot_facts"]) == facts
    assert set(EXTRA_SIGNALS) == {"kshot_facts", "kshot_props"}


def test_the_document_limit_and_the_harness_version_are_part_of_the_key(monkeypatch):
    base = key(PROXIES)
    assert key(PROXIES, limit=None) != base
    monkeypatch.setattr(runner, "PROXY_VERSION", "3")
    assert key(PROXIES) != base
