"""Language data from `patterns/*.yml`, loaded once and checked as it loads."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

PATTERNS = Path(__file__).resolve().parent.parent / "patterns"


class PatternError(Exception):
    """A patterns file that is missing, malformed or repeats a key."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys: a repeated cue is a typo, not an override."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise PatternError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@cache
def load(name: str) -> Any:
    """The parsed content of `patterns/<name>.yml`."""
    path = PATTERNS / f"{name}.yml"
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise PatternError(f"{path}: missing patterns file") from None
    except (yaml.YAMLError, PatternError) as e:
        raise PatternError(f"{path}: {e}") from None


def alternation(words: list[str]) -> str:
    """A regex alternation of literal phrases, longest first, spaces matching any white space."""
    parts = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(map(_escape, p.split())) for p in parts)


def _escape(word: str) -> str:
    import regex

    return regex.escape(word)
