"""One cache key: a hash of the resolved configuration that produced a cached result.

As lm-eval keys its request cache by what was asked, a cache entry here is named by the hash of
everything its value depends on (proxy definitions and versions, task versions, document limits,
recipes). A change to any of them names a different file, so nothing stale is ever read.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def cache_key(config: dict[str, Any], length: int = 16) -> str:
    """A stable hex digest of ``config`` (canonical JSON: sorted keys, no whitespace)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]
