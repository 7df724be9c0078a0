"""bhyt: Vietnamese health-insurance (BHYT) statistics from news articles.

    >>> from extractor import read_inputs, extract
    >>> for article in read_inputs(["corpus/"]):
    ...     facts = extract(article)
"""

from .facts import extract
from .model import Article, Fact, ReadFailure
from .read import read_inputs

__all__ = ["Article", "Fact", "ReadFailure", "extract", "read_inputs"]
