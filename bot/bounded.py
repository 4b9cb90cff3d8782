"""Caches that stop growing: a dict keeps its insertion order, so the oldest entry is the first one."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, limit: int) -> None:
    """Keep `value` under `key`; when the cache is full, the oldest entry makes room for a new key."""
    if key not in cache and len(cache) >= limit:
        del cache[next(iter(cache))]
    cache[key] = value
