"""A small generic registry, in the style of lm-evaluation-harness.

Names are registered where the thing is defined; heavy entries are lazy ``"module:attr"``
strings, imported only when asked for; an unknown name gets "did you mean ...".
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import Generic, TypeVar

from benchmark.core.errors import SftcastError

T = TypeVar("T")


def import_object(spec: str) -> object:
    """Import ``"package.module:attr"`` and return the attribute, with a clear error."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise SftcastError(f"expected 'module:attr', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SftcastError(f"cannot import module {module_name!r} from {spec!r}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise SftcastError(f"module {module_name!r} has no attribute {attr!r}") from exc


class Registry(Generic[T]):
    """Maps names to objects (or lazy ``"module:attr"`` strings that resolve to them)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T | str] = {}

    def register(self, name: str, obj: T | str | None = None) -> Callable[[T], T] | None:
        """Register ``obj`` under ``name``; without ``obj``, return a decorator."""
        if obj is not None:
            self._add(name, obj)
            return None

        def decorator(target: T) -> T:
            self._add(name, target)
            return target

        return decorator

    def _add(self, name: str, obj: T | str) -> None:
        if name in self._entries and self._entries[name] is not obj:
            raise SftcastError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = obj

    def get(self, name: str) -> T:
        """Return the entry for ``name``, importing it if it is lazy."""
        if name not in self._entries:
            close = difflib.get_close_matches(name, self._entries, n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise SftcastError(
                f"unknown {self.kind} {name!r}{hint} (known: {', '.join(sorted(self._entries))})"
            )
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = import_object(entry)  # type: ignore[assignment]
            self._entries[name] = entry
        return entry  # type: ignore[return-value]

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries
