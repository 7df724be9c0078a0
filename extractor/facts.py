"""The pipeline: article -> facts. (Being written.)"""

from __future__ import annotations

from .model import Article, Fact


def extract(article: Article) -> list[Fact]:
    return []
