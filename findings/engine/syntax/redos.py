"""Catastrophic-backtracking detection for regex literals, over the stdlib's own regex parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

# A pattern longer than this is not parsed: the literal comes from the PR and must stay cheap.
MAX_PATTERN_CHARS = 2000
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)
_UNBOUNDED = sre_constants.MAXREPEAT


def _is_unbounded_repeat(op: Any, av: Any) -> bool:
    return op in _REPEATS and av[1] == _UNBOUNDED


def _contains_unbounded_repeat(items: Any) -> bool:
    for op, av in items:
        if _is_unbounded_repeat(op, av):
            return True
        for child in _children(op, av):
            if _contains_unbounded_repeat(child):
                return True
    return False


def _children(op: Any, av: Any) -> list[Any]:
    if op in _REPEATS or op == _POSSESSIVE:
        return [av[2]]
    if op == sre_constants.SUBPATTERN:
        return [av[-1]]
    if op == sre_constants.BRANCH:
        return list(av[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [av[1]]
    if op == getattr(sre_constants, "ATOMIC_GROUP", None):
        return []  # atomic groups never backtrack into their body
    return []


_ALPHABET = range(128)
_CATEGORY_TESTS: dict[str, Callable[[str], bool]] = {
    "CATEGORY_DIGIT": str.isdigit,
    "CATEGORY_NOT_DIGIT": lambda c: not c.isdigit(),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
    "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
}


def _in_set(items: Any) -> frozenset[int]:
    chars: set[int] = set()
    negate = False
    for op, av in items:
        if op == sre_constants.NEGATE:
            negate = True
        elif op == sre_constants.LITERAL:
            chars.add(av)
        elif op == sre_constants.RANGE:
            chars.update(range(av[0], min(av[1], 127) + 1))
        elif op == sre_constants.CATEGORY:
            test = _CATEGORY_TESTS.get(str(av))
            if test is None:
                return frozenset(_ALPHABET)
            chars.update(code for code in _ALPHABET if test(chr(code)))
    if negate:
        return frozenset(code for code in _ALPHABET if code not in chars)
    return frozenset(chars)


def _first_chars(items: Any) -> frozenset[int] | None:
    """The ASCII characters a sequence can start with; None when it can match the empty string."""
    for op, av in items:
        if op == sre_constants.LITERAL:
            return frozenset({av})
        if op == sre_constants.NOT_LITERAL:
            return frozenset(code for code in _ALPHABET if code != av)
        if op == sre_constants.ANY:
            return frozenset(_ALPHABET)
        if op == sre_constants.IN:
            return _in_set(av)
        if op == sre_constants.SUBPATTERN:
            return _first_chars(av[-1])
        if op in _REPEATS:
            first = _first_chars(av[2])
            if av[0] == 0 or first is None:
                return frozenset(_ALPHABET)  # optional: anything after it may start the match
            return first
        if op == sre_constants.BRANCH:
            result: set[int] = set()
            for branch in av[1]:
                first = _first_chars(branch)
                if first is None:
                    return None
                result |= first
            return frozenset(result)
        if op == sre_constants.AT:
            continue
        return frozenset(_ALPHABET)
    return None


def _overlapping_branch(items: Any) -> bool:
    for op, av in items:
        if op == sre_constants.SUBPATTERN and _overlapping_branch(av[-1]):
            return True
        if op == sre_constants.BRANCH:
            seen: set[int] = set()
            empty = 0
            for branch in av[1]:
                first = _first_chars(branch)
                if first is None:
                    empty += 1
                    if empty > 1:
                        return True  # (a|a)*: the common prefix is factored out, twice empty
                    continue
                if first & seen:
                    return True
                seen |= first
    return False


def _catastrophic(items: Any) -> bool:
    for op, av in items:
        if op in _REPEATS and av[1] > 1:
            body = av[2]
            if _contains_unbounded_repeat(body) or _overlapping_branch(body):
                return True
        for child in _children(op, av):
            if _catastrophic(child):
                return True
    return False


def is_catastrophic(pattern: str | bytes) -> bool:
    """True for nested quantifiers ((a+)+, (.*)*) or overlapping alternation under a star."""
    if isinstance(pattern, bytes):
        pattern = pattern.decode("latin-1")
    if len(pattern) > MAX_PATTERN_CHARS:
        return False
    try:
        parsed = sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return False
    return _catastrophic(list(parsed))
