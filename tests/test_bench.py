"""The benchmark's generated corpus: distinct texts whose gold the extractor meets (tiny sizes)."""

import json
from pathlib import Path

from extractor import extract, read_inputs
from extractor.bench import generate, score


def test_generated_articles_are_distinct_and_scored_by_their_gold(shared: Path, tmp_path: Path) -> None:
    mix = generate(tmp_path, 40, articles=shared / "articles", gold_dir=shared / "gold")
    assert mix["swappable"] >= 10
    texts = [p.read_bytes() for p in sorted((tmp_path / "articles").iterdir())]
    assert len(texts) == len(set(texts)) == 40
    facts = tmp_path / "facts.jsonl"
    with open(facts, "w", encoding="utf-8") as fh:
        for article in read_inputs([str(tmp_path / "articles")]):
            for fact in extract(article):
                fh.write(json.dumps(fact.to_dict(), ensure_ascii=False) + "\n")
    result = score(facts, tmp_path / "gold")
    assert result["hits"] > 300
    assert result["f1"] == 1.0


def test_places_and_counts_change_consistently(shared: Path, tmp_path: Path) -> None:
    generate(tmp_path, 25, articles=shared / "articles", gold_dir=shared / "gold", seed=1)
    gold = json.loads((tmp_path / "gold" / "000000_000_d8bad9d0d0e49645.json").read_text())
    text = (tmp_path / "articles" / gold["source"]).read_text()
    district = next(f for f in gold["facts"] if f["unit"] == "huyện")
    assert district["locality"] in text
    participants = next(f for f in gold["facts"] if f["metric"] == "participants")
    assert participants["value"] in (174752, 349504, 524256)
    assert f"{participants['value']:,}".replace(",", ".") in text
