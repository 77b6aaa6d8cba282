"""A catalogue of named entries (checks, diff rules, ...) that rejects duplicate ids.

Registries of plain functions are the house style: each entry is declared once, next to its code, and
a second declaration of the same id is a programming error caught at import time.
"""

from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Catalogue(Generic[T]):
    """Entries keyed by ``key(entry)`` (default: ``entry.id``), iterated in id order."""

    def __init__(self, what: str, *, key: Callable[[T], str] = lambda entry: entry.id) -> None:  # type: ignore[attr-defined]
        self._what = what
        self._key = key
        self._entries: dict[str, T] = {}

    def add(self, entry: T) -> T:
        """Add ``entry``; raises ValueError when its id is taken."""
        k = self._key(entry)
        if k in self._entries:
            raise ValueError(f"duplicate {self._what} id={k}")
        self._entries[k] = entry
        return entry

    def __getitem__(self, id: str) -> T:
        return self._entries[id]

    def __contains__(self, id: object) -> bool:
        return id in self._entries

    def get(self, id: str) -> T | None:
        return self._entries.get(id)

    def ids(self) -> list[str]:
        return sorted(self._entries)

    def __iter__(self) -> Iterator[T]:
        return iter([self._entries[k] for k in sorted(self._entries)])

    def __len__(self) -> int:
        return len(self._entries)
