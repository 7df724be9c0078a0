"""Score extracted facts against hand annotations, by the rules of FACTS.md ("Scoring").

A found fact matches a gold fact when source, metric and value agree (percentages to
within 0.005, people exactly), the locality names agree after NFC, case folding and
tone-mark placement, and `group` is null on both or set on both. Matching is one to one;
a fact found twice in one article with the same locality, metric, value, group and date
counts once; a found fact matching an `optional` gold fact is neither hit nor false find.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import name_key

ATTRIBUTES = ("unit", "province", "district", "date", "qualifier")
PERCENT_METRICS = {"coverage_rate", "target_rate", "participants_change_pct", "plan_completion"}


@dataclass
class Score:
    hits: int = 0
    false_finds: int = 0
    misses: int = 0

    @property
    def precision(self) -> float:
        found = self.hits + self.false_finds
        return self.hits / found if found else 1.0

    @property
    def recall(self) -> float:
        gold = self.hits + self.misses
        return self.hits / gold if gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "hits": self.hits, "false_finds": self.false_finds,
                "misses": self.misses}


@dataclass
class Report:
    overall: Score = field(default_factory=Score)
    by_metric: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    attributes: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[dict] = field(default_factory=list)
    false_finds: list[dict] = field(default_factory=list)
    attribute_errors: list[dict] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=Counter)
    check_rows: list[dict] = field(default_factory=list)
    articles: int = 0

    def attribute_accuracy(self) -> dict[str, float]:
        return {a: (c["right"] / c["total"] if c["total"] else 1.0)
                for a, c in ((a, self.attributes[a]) for a in ATTRIBUTES)}

    def as_dict(self) -> dict:
        return {
            "articles": self.articles,
            "overall": self.overall.as_dict(),
            "by_metric": {m: s.as_dict() for m, s in sorted(self.by_metric.items())},
            "attributes": {a: round(v, 4) for a, v in self.attribute_accuracy().items()},
            "checks": dict(self.checks),
            "misses": self.misses,
            "false_finds": self.false_finds,
            "attribute_errors": self.attribute_errors,
            "check_rows": self.check_rows,
        }


def values_agree(metric: str, a: float, b: float) -> bool:
    if metric in PERCENT_METRICS:
        return abs(float(a) - float(b)) <= 0.005 + 1e-9
    return float(a) == float(b)


def facts_match(found: dict, gold: dict) -> bool:
    return (found["metric"] == gold["metric"]
            and values_agree(gold["metric"], found["value"], gold["value"])
            and name_key(found.get("locality") or "") == name_key(gold.get("locality") or "")
            and (found.get("group") is None) == (gold.get("group") is None))


def _dedupe(found: list[dict]) -> list[dict]:
    seen, out = set(), []
    for f in found:
        key = (name_key(f.get("locality") or ""), f["metric"], float(f["value"]),
               f.get("group"), f.get("date"))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _closeness(found: dict, gold: dict) -> int:
    """How many attributes agree: among equal matches, pair the closest."""
    return sum(found.get(a) == gold.get(a) for a in ATTRIBUTES)


def score_article(found: list[dict], gold: list[dict], report: Report) -> None:
    found = _dedupe(found)
    required = [g for g in gold if not g.get("optional")]
    optional = [g for g in gold if g.get("optional")]
    free = list(range(len(found)))
    for g in required:
        candidates = [i for i in free if facts_match(found[i], g)]
        if not candidates:
            report.overall.misses += 1
            report.by_metric[g["metric"]].misses += 1
            report.misses.append(g)
            continue
        best = max(candidates, key=lambda i: _closeness(found[i], g))
        free.remove(best)
        f = found[best]
        report.overall.hits += 1
        report.by_metric[g["metric"]].hits += 1
        wrong = {}
        for a in ATTRIBUTES:
            report.attributes[a]["total"] += 1
            if f.get(a) == g.get(a):
                report.attributes[a]["right"] += 1
            else:
                wrong[a] = {"found": f.get(a), "gold": g.get(a)}
        if wrong:
            report.attribute_errors.append({"source": g.get("source"), "locality": g["locality"],
                                            "metric": g["metric"], "value": g["value"],
                                            "wrong": wrong})
    for g in optional:
        candidates = [i for i in free if facts_match(found[i], g)]
        if candidates:
            free.remove(candidates[0])
    for i in free:
        report.overall.false_finds += 1
        report.by_metric[found[i]["metric"]].false_finds += 1
        report.false_finds.append({k: found[i].get(k) for k in (
            "source", "locality", "unit", "date", "metric", "value", "qualifier", "group",
            "surface", "evidence")})


def score_checks(verdicts: Iterable[dict], gold_checks: dict[str, list[dict]],
                 report: Report) -> None:
    """Audit verdicts against the checks each gold file calls for (AUDIT.md)."""
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for v in verdicts:
        by_key[(v["source"], name_key(v.get("locality") or ""), v["check"])].append(v)
    listed = set()
    for source, checks in gold_checks.items():
        for c in checks:
            key = (source, name_key(c["locality"]), c["check"])
            listed.add(key)
            got = [v for v in by_key.get(key, []) if not c.get("unit") or v.get("unit") == c["unit"]]
            statuses = {v["status"] for v in got}
            status = ("inconsistent" if "inconsistent" in statuses else
                      "consistent" if "consistent" in statuses else
                      (got[0]["status"] if got else "missing"))
            row = {"source": source, "locality": c["locality"], "check": c["check"],
                   "gold": c["status"], "found": status}
            report.check_rows.append(row)
            if c["status"] == "inconsistent":
                report.checks["gold_inconsistent"] += 1
                report.checks["detected"] += status == "inconsistent"
            else:
                report.checks["gold_consistent"] += 1
                report.checks["false_alarms"] += status == "inconsistent"
                report.checks["agreed_consistent"] += status == "consistent"
    for key, vs in by_key.items():
        if key[0] in gold_checks and key not in listed and any(
                v["status"] == "inconsistent" for v in vs):
            report.checks["unlisted_alarms"] += 1
            report.check_rows.append({"source": key[0], "locality": vs[0]["locality"],
                                      "check": key[2], "gold": None, "found": "inconsistent"})


def load_gold(gold_dir: str | Path) -> dict[str, dict]:
    """Gold annotations by source id (each file's `source`, else its name)."""
    out = {}
    for path in sorted(Path(gold_dir).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "facts" not in data:
            continue
        source = data.get("source") or path.stem
        out[source] = data
    return out


def _stem(source: str) -> str:
    """What a file source is known by with or without its suffix ("a.txt", "a"); an
    address is known only whole (two pages may share a file name on two hosts)."""
    return source if "://" in source else Path(source).stem


def evaluate(found_by_source: dict[str, list[dict]], gold: dict[str, dict],
             verdicts: Iterable[dict] = ()) -> Report:
    """Score the facts of every article that has a gold annotation."""
    report = Report()
    by_stem = {_stem(s): s for s in found_by_source}
    for source, data in gold.items():
        key = source if source in found_by_source else by_stem.get(_stem(source), source)
        found = found_by_source.get(key)
        if found is None:
            continue
        report.articles += 1
        score_article(found, [dict(g, source=source) for g in data["facts"]], report)
    gold_checks = {s: d.get("checks", []) for s, d in gold.items()
                   if s in found_by_source or _stem(s) in by_stem}
    renamed = []
    for v in verdicts:
        src = v["source"] if v["source"] in gold else next(
            (s for s in gold if _stem(s) == _stem(v["source"])), v["source"])
        renamed.append(dict(v, source=src))
    score_checks(renamed, gold_checks, report)
    return report


def format_report(report: Report, *, details: bool = True) -> str:
    lines = [f"articles scored: {report.articles}", "",
             f"{'metric':26} {'P':>6} {'R':>6} {'F1':>6} {'hit':>5} {'false':>5} {'miss':>5}"]

    def row(name: str, s: Score) -> str:
        return (f"{name:26} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
                f"{s.hits:5d} {s.false_finds:5d} {s.misses:5d}")

    lines.append(row("ALL", report.overall))
    for m, s in sorted(report.by_metric.items()):
        lines.append(row(m, s))
    lines += ["", "attribute accuracy over matched facts:"]
    lines += [f"  {a:10} {v:.3f}" for a, v in report.attribute_accuracy().items()]
    c = report.checks
    lines += ["", f"audit: {c['detected']}/{c['gold_inconsistent']} inconsistencies detected, "
                  f"{c['false_alarms']} false alarms over {c['gold_consistent']} consistent checks, "
                  f"{c['unlisted_alarms']} unlisted alarms"]
    if details:
        lines += ["", "misses:"]
        lines += [f"  {g['source'][:40]} {g['locality']} {g['metric']} {g['value']} "
                  f"{g.get('group') or ''}" for g in report.misses]
        lines += ["", "false finds:"]
        lines += [f"  {f['source'][:40]} {f['locality']} {f['metric']} {f['value']} "
                  f"{f.get('group') or ''} «{f.get('surface')}»" for f in report.false_finds]
        lines += ["", "attribute errors:"]
        lines += [f"  {e['source'][:40]} {e['locality']} {e['metric']} {e['value']} {e['wrong']}"
                  for e in report.attribute_errors]
        lines += ["", "checks:"]
        lines += [f"  {r['source'][:40]} {r['locality']} {r['check']}: gold {r['gold']}, "
                  f"found {r['found']}" for r in report.check_rows]
    return "\n".join(lines)
