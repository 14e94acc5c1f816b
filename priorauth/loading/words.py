"""Matching the words a person typed against a vocabulary: any letter case, any
separators, aliases, and the closest word for a "did you mean"."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


_SEPARATORS = re.compile(r"[\s_\-./]+")


def vocabulary_key(word: str) -> str:
    """The form in which two spellings of one word are equal: ``PHQ 9`` = ``phq-9``."""
    return _SEPARATORS.sub("", word).casefold()


def match_word(text: str, words: Iterable[str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The one word that ``text`` spells (in any case, any separators, or as an alias)."""
    choices = list(words)
    if text in choices:
        return text
    found = {w for w in choices if vocabulary_key(w) == vocabulary_key(text)}
    found |= {w for a, w in (aliases or {}).items() if vocabulary_key(a) == vocabulary_key(text)}
    return found.pop() if len(found) == 1 else None


def suggest_word(text: str, words: Iterable[str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The closest word for a 'did you mean', comparing the normalised spellings."""
    by_key: dict[str, str] = {vocabulary_key(w): w for w in words}
    for alias, word in (aliases or {}).items():
        by_key.setdefault(vocabulary_key(alias), word)
    key = vocabulary_key(text)
    if not key:
        return None
    starts = {w for k, w in by_key.items() if k.startswith(key) or key.startswith(k)} if len(key) > 1 else set()
    if len(starts) == 1:
        return starts.pop()
    guess = did_you_mean(key, by_key)
    return by_key[guess] if guess else None
