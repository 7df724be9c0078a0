"""The benchmark behind `bhyt bench`: a generated corpus with known facts, timed end to end.

Corpus: each generated article is one of the shared articles with its district and
communes swapped, consistently in text and gold, for other real units of the same
province (same unit words, unambiguous in the province, existing at the article's
dates), and every count written with dot groups scaled by a whole factor k, which
keeps rates, sums and plan ratios exact. Articles whose places cannot be swapped
that way (several districts, new-era communes, provinces, the country) only get k.

Every measured step runs as its own process, so its wall time includes start-up and
its peak memory is that process tree's largest process (GNU time's %M).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from pathlib import Path

DEFAULT_SIZES = (1_000, 10_000)
PERCENT_METRICS = {"coverage_rate", "target_rate", "participants_change_pct", "plan_completion"}
DISTRICT_UNITS = {"huyện", "quận", "thị xã", "thành phố"}
NEW_ERA = "2025-07-01"
SCALES = (1, 2, 3)
# A count as the articles write it: dot groups, not part of a longer number or decimal.
DOTTED = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d]|[.,]\d)")
# A generated article shown as changed, for the 1% re-build.
CHANGE = "\n\nBài viết được cập nhật lại.\n"
BHYT = [sys.executable, "-c", "from extractor.cli import cli; cli()"]


@dataclass
class Template:
    stem: str
    suffix: str
    text: str
    gold: dict
    # Swaps: each a mapping from the gold's names to another district's, and its province.
    swaps: list[dict[str, str]] = field(default_factory=list)
    province: str | None = None


def _dates(gold: dict) -> list[str]:
    return sorted({f["date"] for f in gold["facts"] if f.get("date")})


def _main_district(gold: dict) -> tuple[str, str, str] | None:
    """(name, unit, province) of the one legacy district all the gold's places lie in."""
    districts, provinces = set(), set()
    for f in gold["facts"]:
        if f["unit"] in ("tỉnh", "cả nước"):
            continue
        if f["district"] is None and f["unit"] in DISTRICT_UNITS:
            districts.add((f["locality"], f["unit"]))
        elif f["district"] is not None:
            districts.add((f["district"], None))
        else:
            return None  # a new-era commune: no district to swap
        provinces.add(f["province"])
    names = {n for n, _ in districts}
    if len(names) != 1 or len(provinces) != 1:
        return None
    unit = next((u for _, u in districts if u), None)
    return next(iter(names)), unit, next(iter(provinces))


def _folded(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s.lower()) if not unicodedata.combining(c))


def _written_as_in_gold(text: str, names: list[str]) -> bool:
    """Each name occurs in the text only as the gold spells it (no `Hoà` for `Hòa`, no
    capitals), so replacing the exact spelling replaces every mention."""
    folded = _folded(text)
    for name in names:
        exact = sum(len(re.findall(rf"(?<!\w){re.escape(form)}(?!\w)", text))
                    for form in {name, name.upper()})
        loose = len(re.findall(rf"(?<!\w){re.escape(_folded(name))}(?!\w)", folded))
        if exact != loose:
            return False
    return True


def _swaps(text: str, gold: dict) -> tuple[list[dict[str, str]], str | None]:
    """Every consistent swap of the template's district and communes, and the province."""
    from . import gazetteer

    main = _main_district(gold)
    dates = _dates(gold)
    if main is None or not dates or dates[-1] >= NEW_ERA:
        return [], None
    name, unit, province = main
    communes = sorted({(f["locality"], f["unit"]) for f in gold["facts"] if f["district"]})
    old_names = [name, *(c for c, _ in communes)]
    if len(set(old_names)) != len(old_names) or not _written_as_in_gold(text, old_names):
        return [], None
    prov = gazetteer.province(province, dates[-1])
    if prov is None:
        return [], None
    unit = unit or next((p.unit for p in gazetteer.find(name, level=2, province=province,
                                                        date=dates[-1])), None)

    # A text that never names its province (a commune's radio script) is read by names
    # unique in the whole country, so its new names must be too.
    scope = province if _folded(province) in _folded(text) else None

    def unique(place_name: str) -> bool:
        # Unambiguous in the scope on every date, and not already in the text.
        return (all(len(gazetteer.find(place_name, province=scope, date=d)) == 1 for d in dates)
                and _folded(place_name) not in _folded(text))

    out = []
    for district in gazetteer.children(prov, dates[-1]):
        if district.unit != unit or district.name == name or not unique(district.name):
            continue
        by_unit: dict[str, list[str]] = {}
        existing = [{(p.name, p.unit) for p in gazetteer.children(district, d)} for d in dates]
        for c_name, c_unit in set.intersection(*existing):
            if c_name != district.name and unique(c_name):
                by_unit.setdefault(c_unit, []).append(c_name)
        if all(len(by_unit.get(u, [])) >= sum(1 for _, cu in communes if cu == u) for _, u in communes):
            out.append({"district": district.name, "pools": {u: sorted(v) for u, v in by_unit.items()}})
    return out, province


def load_templates(articles: Path, gold_dir: Path) -> list[Template]:
    from .read import decode_bytes

    templates = []
    for gold_path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if "facts" not in gold:
            continue
        path = articles / gold["source"]
        # Written back as UTF-8 NFC: the names must match the gold's spelling byte for byte.
        text = unicodedata.normalize("NFC", decode_bytes(path.read_bytes()))
        swaps, province = _swaps(text, gold)
        templates.append(Template(path.stem, path.suffix, text, gold, swaps, province))
    return templates


def _draw_names(template: Template, rng: random.Random) -> dict[str, str]:
    """Old name -> new name for one generated article (empty: keep the places)."""
    main = _main_district(template.gold)
    if not template.swaps or main is None:
        return {}
    swap = rng.choice(template.swaps)
    mapping = {main[0]: swap["district"]}
    communes = sorted({(f["locality"], f["unit"]) for f in template.gold["facts"] if f["district"]})
    for unit in {u for _, u in communes}:
        olds = [c for c, u in communes if u == unit]
        for old, new in zip(olds, rng.sample(swap["pools"][unit], len(olds)), strict=True):
            mapping[old] = new
    return mapping


def _rename(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pairs = {**mapping, **{o.upper(): n.upper() for o, n in mapping.items()}}
    pattern = "|".join(re.escape(o) for o in sorted(pairs, key=len, reverse=True))
    return re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", lambda m: pairs[m.group(0)], text)


def _count_values(gold: dict) -> set[int]:
    return {int(f["value"]) for f in gold["facts"]
            if f["metric"] not in PERCENT_METRICS and float(f["value"]).is_integer()}


def _scale(text: str, counts: set[int], k: int) -> str:
    def sub(m: re.Match) -> str:
        value = int(m.group(0).replace(".", ""))
        return f"{value * k:,}".replace(",", ".") if value in counts else m.group(0)

    return DOTTED.sub(sub, text) if k != 1 else text


def variant(template: Template, rng: random.Random) -> tuple[str, dict]:
    """One generated article's text and gold."""
    names = _draw_names(template, rng)
    k = rng.choice(SCALES)
    counts = _count_values(template.gold)
    # Scaled only where the text writes the count with dot groups; other forms keep it.
    written = {int(m.group(0).replace(".", "")) for m in DOTTED.finditer(template.text)} & counts
    text = _scale(_rename(template.text, names), written, k)
    facts = []
    for f in template.gold["facts"]:
        f = dict(f, locality=names.get(f["locality"], f["locality"]))
        if f["district"]:
            f["district"] = names.get(f["district"], f["district"])
        if f["metric"] not in PERCENT_METRICS and f["value"] in written:
            f["value"] = f["value"] * k
        facts.append(f)
    checks = [dict(c, locality=names.get(c["locality"], c["locality"]))
              for c in template.gold.get("checks", [])]
    return text, {"facts": facts, "checks": checks}


def generate(out: Path, n: int, *, articles: Path, gold_dir: Path, seed: int = 6) -> dict:
    """Write n distinct articles to out/articles and their gold to out/gold."""
    rng = random.Random(seed)
    templates = load_templates(articles, gold_dir)
    (out / "articles").mkdir(parents=True, exist_ok=True)
    (out / "gold").mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()
    exhausted: set[str] = set()
    used: dict[str, int] = {}
    i = 0
    while i < n:
        live = [t for t in templates if t.stem not in exhausted]
        template = live[i % len(live)]
        for _ in range(30):  # a few draws to find a text not made yet
            text, gold = variant(template, rng)
            digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
            if digest not in seen:
                break
        else:
            exhausted.add(template.stem)
            continue
        seen.add(digest)
        name = f"{i:06d}_{template.stem[:24]}{template.suffix}"
        (out / "articles" / name).write_text(text, encoding="utf-8")
        (out / "gold" / f"{Path(name).stem}.json").write_text(
            json.dumps({"source": name, **gold}, ensure_ascii=False), encoding="utf-8")
        used[template.stem] = used.get(template.stem, 0) + 1
        i += 1
    return {"templates": len(templates), "swappable": sum(bool(t.swaps) for t in templates),
            "articles_per_template": used}


# The least any reader of this corpus does: read, decode, NFC, one regex pass for numbers.
# A script of its own, so its time and memory carry none of our imports.
FLOOR = """
import re, sys, unicodedata
from pathlib import Path
number = re.compile(r"\\d+(?:[.,]\\d+)*")
print(sum(len(number.findall(unicodedata.normalize("NFC", p.read_bytes().decode("utf-8"))))
          for p in sorted(Path(sys.argv[1]).iterdir())))
"""


def _run(args: list[str], stdout: Path | None = None) -> dict:
    """Wall seconds and peak RSS (MB, largest process of its tree) of one command.

    Through GNU time: a child forked from this process would report this process's
    own peak (Linux carries ru_maxrss across fork and exec), time's children do not.
    """
    with tempfile.NamedTemporaryFile("r") as usage, open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        code = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", usage.name, *args],
                               stdout=out, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        if code not in (0, 1):  # 1: some article failed, reported by the command
            raise RuntimeError(f"{' '.join(args[3:])} exited {code}")
        peak_kb = int(usage.read().split()[-1])
    return {"seconds": round(seconds, 3), "peak_rss_mb": round(peak_kb / 1024, 1)}


def _found_by_source(facts_file: Path) -> Iterator[tuple[str, list[dict]]]:
    with open(facts_file, encoding="utf-8") as fh:
        facts = (json.loads(line) for line in fh)
        for source, group in groupby(facts, key=lambda f: f["source"]):
            yield source, list(group)


def score(facts_file: Path, gold_dir: Path) -> dict:
    """Fact F1 over the corpus, streaming: facts come out in the gold files' order."""
    from .evaluate import Report, score_article

    report = Report()
    found = _found_by_source(facts_file)
    pending = next(found, None)
    for gold_path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        mine: list[dict] = []
        if pending and pending[0] == gold["source"]:
            mine = pending[1]
            pending = next(found, None)
        score_article(mine, [dict(g, source=gold["source"]) for g in gold["facts"]], report)
        report.articles += 1
        report.misses.clear()  # only the figures are reported; the lists would grow with n
        report.false_finds.clear()
        report.attribute_errors.clear()
    return report.overall.as_dict()


def _rate(n: int, mb: float, step: dict, floor_seconds: float) -> dict:
    s = step["seconds"]
    return {**step, "articles_per_s": round(n / s, 1), "mb_per_s": round(mb / s, 2),
            "vs_floor": round(floor_seconds / s, 4)}


def bench_size(n: int, work: Path, *, articles: Path, gold_dir: Path, workers: int) -> dict:
    corpus = work / f"n{n}"
    if corpus.exists():
        subprocess.run(["rm", "-rf", str(corpus)], check=True)
    started = time.perf_counter()
    mix = generate(corpus, n, articles=articles, gold_dir=gold_dir)
    generated = time.perf_counter() - started
    docs = corpus / "articles"
    mb = sum(p.stat().st_size for p in docs.iterdir()) / 1e6
    db = corpus / "bench.db"
    floor_step = _run([sys.executable, "-c", FLOOR, str(docs)])
    fs = floor_step["seconds"]
    steps = {"floor": _rate(n, mb, floor_step, fs)}
    facts1, facts2 = corpus / "facts1.jsonl", corpus / "facts2.jsonl"
    steps["extract_1_worker"] = _rate(n, mb, _run([*BHYT, "extract", str(docs), "--workers", "1"],
                                                  facts1), fs)
    steps[f"extract_{workers}_workers"] = _rate(
        n, mb, _run([*BHYT, "extract", str(docs), "--workers", str(workers)], facts2), fs)
    build = [*BHYT, "build", str(docs), "--db", str(db), "--workers", str(workers)]
    steps["build"] = _rate(n, mb, _run(build), fs)
    steps["rebuild_unchanged"] = _rate(n, mb, _run(build), fs)
    for path in sorted(docs.iterdir())[::100]:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(CHANGE)
    steps["rebuild_1pct_changed"] = _rate(n, mb, _run(build), fs)
    full = steps["build"]["seconds"]
    return {
        "articles": n, "megabytes": round(mb, 2), "generate_seconds": round(generated, 1),
        "templates": {k: v for k, v in mix.items() if k != "articles_per_template"},
        "steps": steps,
        "identical_output_1_vs_n_workers": facts1.read_bytes() == facts2.read_bytes(),
        "rebuild_unchanged_share": round(steps["rebuild_unchanged"]["seconds"] / full, 4),
        "rebuild_1pct_share": round(steps["rebuild_1pct_changed"]["seconds"] / full, 4),
        "f1": score(facts1, corpus / "gold"),
    }


def run(sizes: tuple[int, ...], *, work: Path, articles: Path, gold_dir: Path, workers: int,
        keep: bool = False) -> dict:
    results = {"date": date.today().isoformat(), "commit": _commit(), "cpus": os.cpu_count(),
               "workers": workers, "sizes": []}
    for n in sizes:
        results["sizes"].append(bench_size(n, work, articles=articles, gold_dir=gold_dir,
                                           workers=workers))
        if not keep:
            subprocess.run(["rm", "-rf", str(work / f"n{n}")], check=True)
    return results


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent)
    except OSError:
        return None
    return out.stdout.strip() or None


def table(results: dict) -> str:
    """One line per size and step: time, throughput, its share of the floor's, memory."""
    lines = [f"{'articles':>8} {'step':22} {'s':>8} {'art/s':>9} {'MB/s':>7} {'×floor':>7} {'RSS MB':>7}"]
    for size in results["sizes"]:
        for name, s in size["steps"].items():
            lines.append(f"{size['articles']:>8} {name:22} {s['seconds']:8.2f} {s['articles_per_s']:9.1f} "
                         f"{s['mb_per_s']:7.2f} {s['vs_floor']:7.4f} {s['peak_rss_mb']:7.1f}")
        f1 = size["f1"]
        lines.append(f"{size['articles']:>8} F1 {f1['f1']:.4f} (P {f1['precision']:.4f} "
                     f"R {f1['recall']:.4f}); "
                     f"re-build unchanged {size['rebuild_unchanged_share']:.1%}, "
                     f"1% changed {size['rebuild_1pct_share']:.1%} of full build; "
                     f"{results['workers']} workers output identical to 1: "
                     f"{size['identical_output_1_vs_n_workers']}")
    return "\n".join(lines)
