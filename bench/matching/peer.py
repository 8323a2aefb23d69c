"""The peer side of the matching benchmark: OpenSanctions nomenklatura
logic-v2 (yente's default "best" algorithm) with rapidfuzz candidate
generation standing in for yente's Elasticsearch (which cannot run here):
WRatio top-150 over every list name, deduplicated to 50 entities (yente's
default), each rescored by logic-v2. One thread.

Usage: VENV/bin/python peer.py PARTIES.jsonl QUERIES.csv OUT.jsonl [--sample P,U,N]
"""

import csv
import json
import resource
import sys
import time

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig
from rapidfuzz import fuzz, process, utils

THRESHOLD = 0.7  # yente's default match threshold


def entity(schema, ident, names):
    e = model.make_entity(schema)
    e.id = ident  # ids must be unique: logic-v2 caches analysis by id
    for n in names:
        e.add("name", n)
    return e


def main():
    parties_path, queries_path, out_path = sys.argv[1:4]
    sample = None
    if "--sample" in sys.argv:
        sample = [int(x) for x in sys.argv[sys.argv.index("--sample") + 1].split(",")]
    started = time.perf_counter()
    entities, names, owners = [], [], []
    with open(parties_path, encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            schema = {"person": "Person", "organization": "Organization",
                      "vessel": "Vessel", "aircraft": "Airplane"}.get(p["kind"], "LegalEntity")
            entities.append((p["id"], entity(schema, p["id"], p["names"])))
            for n in p["names"]:
                names.append(n)
                owners.append(len(entities) - 1)
    processed = [utils.default_process(n) for n in names]
    build = time.perf_counter() - started
    algorithm = get_algorithm("logic-v2")
    config = ScoringConfig.defaults()
    with open(queries_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if sample:
        picked, counts = [], {"p": 0, "u": 0, "n": 0}
        limits = dict(zip("pun", sample))
        for r in rows:
            k = r["id"][0]
            if counts[k] < limits[k]:
                counts[k] += 1
                picked.append(r)
        rows = picked
    # Warm-up (logic-v2 loads its symbol tables on first use), not timed.
    algorithm.compare(entity("Person", "warm-q", ["John Smith"]), entity("Person", "warm-r", ["Jon Smith"]), config)
    latencies = []
    all_started = time.perf_counter()
    with open(out_path, "w", encoding="utf-8") as out:
        for i, r in enumerate(rows):
            t = time.perf_counter()
            schema = "Person" if r["kind"] == "person" else "Organization"
            query = entity(schema, f"q{i}", [r["name"]])
            hits = process.extract(utils.default_process(r["name"]), processed, scorer=fuzz.WRatio,
                                   limit=150, processor=None)
            seen, candidates = set(), []
            for _, _, index in hits:
                owner = owners[index]
                if owner not in seen:
                    seen.add(owner)
                    candidates.append(owner)
                if len(candidates) == 50:
                    break
            matches = []
            for owner in candidates:
                ident, candidate = entities[owner]
                score = algorithm.compare(query, candidate, config).score
                if score >= THRESHOLD:
                    matches.append({"entry": ident, "score": score})
            matches.sort(key=lambda m: -m["score"])
            latencies.append(time.perf_counter() - t)
            out.write(json.dumps({"id": r["id"], "matches": matches, "us": latencies[-1] * 1e6}) + "\n")
    total = time.perf_counter() - all_started
    latencies.sort()
    pct = lambda p: latencies[round((len(latencies) - 1) * p)] * 1000 if latencies else 0
    print(json.dumps({
        "engine": "nomenklatura logic-v2 + rapidfuzz", "threshold": THRESHOLD,
        "index_build_s": build, "queries": len(rows), "qps": len(rows) / total,
        "p50_ms": pct(0.5), "p99_ms": pct(0.99),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
