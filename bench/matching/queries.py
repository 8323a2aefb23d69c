"""Builds the shared query set for the matching benchmark (stdlib only).

Queries, each with the list entry it should find (empty for negatives):
- `perturbed`: OFAC SDN and non-SDN entries (organisations and persons),
  one perturbation each: exact, typo, reorder, legal form dropped,
  abbreviation, initials, run-together words, punctuation/case;
- `yente-un-treated`: yente's 683 treated UN positives (typos, reordering),
  the expected entry found by the untreated name in the UN list;
- `yente-negatives`: yente's synthetic negatives (50,000; the peer runs a
  sample because it manages about 16 queries per second).

Usage: python3 queries.py DATA_DIR OUT_DIR [--negatives N] [--positives N]
"""

import csv
import json
import random
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

LEGAL_FORMS = {"CO.", "LTD.", "LTD", "LLC", "INC.", "INC", "CO", "S.A.", "JSC", "OJSC",
               "LIMITED", "CORPORATION", "CORP.", "GMBH", "S.A", "C.A.", "PJSC", "OOO", "LLP"}
ABBREVIATIONS = {"COMPANY": "COMP", "GROUP": "GRP", "INTERNATIONAL": "INTL",
                 "CORPORATION": "CORP", "TECHNOLOGY": "TECH", "LIMITED": "LTD",
                 "SERVICES": "SRVCS", "INDUSTRIES": "IND", "TRADING": "TRDG"}


def ofac_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) == 12 and row[0].strip().isdigit():
                yield row[0].strip(), row[1].strip(), row[2].strip()


def perturb(name, kind, rng):
    tokens = name.replace(",", " ,").split()
    words = [t for t in tokens if t != ","]
    choices = ["exact", "typo", "reorder", "case"]
    if kind != "individual":
        if any(w.upper() in LEGAL_FORMS for w in words) and len(words) > 2:
            choices.append("drop-legal-form")
        if any(w.upper() in ABBREVIATIONS for w in words):
            choices.append("abbreviation")
        if len(words) >= 3:
            choices.append("run-together")
    elif len(words) >= 3:
        choices.append("initials")
    kind_ = rng.choice(choices)
    if kind_ == "exact":
        return name, kind_
    if kind_ == "case":
        return name.title().replace(",", ""), kind_
    if kind_ == "typo":
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long:
            return name, "exact"
        i = rng.choice(long)
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        op = rng.choice(["sub", "del", "swap"])
        if op == "sub":
            w = w[:j] + rng.choice("AEIOUNRST") + w[j + 1:]
        elif op == "del":
            w = w[:j] + w[j + 1:]
        else:
            w = w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]
        words[i] = w
        return " ".join(words), kind_
    if kind_ == "reorder":
        if "," in tokens:  # "LAST, First" -> "First LAST"
            k = tokens.index(",")
            return " ".join(tokens[k + 1:] + tokens[:k]), kind_
        return " ".join(words[1:] + words[:1]), kind_
    if kind_ == "drop-legal-form":
        return " ".join(w for w in words if w.upper() not in LEGAL_FORMS), kind_
    if kind_ == "abbreviation":
        return " ".join(ABBREVIATIONS.get(w.upper(), w) for w in words), kind_
    if kind_ == "run-together":
        i = rng.randrange(0, len(words) - 1)
        return " ".join(words[:i] + [words[i] + words[i + 1]] + words[i + 2:]), kind_
    if kind_ == "initials":
        # "LAST, First Middle" -> "F. M. LAST"-style: the given names become initials.
        if "," in tokens:
            k = tokens.index(",")
            given = tokens[k + 1:]
            return " ".join([g[0] + "." for g in given[:-1]] + given[-1:] + tokens[:k]), kind_
        return " ".join([w[0] + "." for w in words[:-1]] + words[-1:]), kind_
    return name, "exact"


def un_names(path):
    names = {}
    root = ET.parse(path).getroot()
    for tag in ("INDIVIDUALS/INDIVIDUAL", "ENTITIES/ENTITY"):
        for node in root.findall(tag):
            dataid = node.findtext("DATAID").strip()
            parts = [node.findtext(p) for p in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
            full = " ".join(p.strip() for p in parts if p and p.strip())
            names.setdefault(" ".join(full.upper().split()), dataid)
    return names


def main():
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    negatives_n = int(sys.argv[sys.argv.index("--negatives") + 1]) if "--negatives" in sys.argv else 50000
    positives_n = int(sys.argv[sys.argv.index("--positives") + 1]) if "--positives" in sys.argv else 1000
    rng = random.Random(42)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    entries = []
    for list_id, path in (("ofac-sdn", data / "lists/ofac-sdn-2021/sdn.csv"),
                          ("ofac-cons", data / "lists/ofac-cons-2025/cons_prim.csv")):
        for ent, name, kind in ofac_rows(path):
            if kind in ("", "-0-", "individual"):
                entries.append((f"{list_id}/{ent}", name, kind))
    for key, name, kind in rng.sample(entries, positives_n):
        query, how = perturb(name, kind, rng)
        rows.append((f"p{len(rows)}", query, key, "perturbed/" + how,
                     "person" if kind == "individual" else "organization"))
    un = un_names(data / "lists/un/UN_consolidated.xml")
    with open(data / "matching/yente-positives_un_untreated.csv", encoding="utf-8") as f:
        untreated = [r["full_name"] for r in csv.DictReader(f)]
    with open(data / "matching/yente-positives_un_treated.csv", encoding="utf-8") as f:
        treated = [r["full_name"] for r in csv.DictReader(f)]
    for raw, query in zip(untreated, treated):
        key = un.get(" ".join(raw.upper().split()))
        if key:
            rows.append((f"u{len(rows)}", query, f"un-sc/{key}", "yente-un-treated", "person"))
    with open(data / "matching/yente-negatives_global.csv", encoding="utf-8") as f:
        negatives = [r["full_name"] for r in csv.DictReader(f)]
    for name in negatives[:negatives_n]:
        rows.append((f"n{len(rows)}", name, "", "yente-negatives", "person"))
    with open(out / "queries.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "expected", "class", "kind"])
        writer.writerows(rows)
    print(json.dumps({"queries": len(rows)}))


if __name__ == "__main__":
    main()
