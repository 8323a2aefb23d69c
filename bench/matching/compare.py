"""Prints the side-by-side table of the matching benchmark from the query
set, each engine's results (JSON lines) and each engine's summary.

Usage: python3 compare.py QUERIES.csv SHINSA.jsonl SHINSA_SUMMARY.json PEER.jsonl PEER_SUMMARY.json
"""

import csv
import json
import sys
from collections import defaultdict


def load_results(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return {r["id"]: r["matches"] for r in rows}, {r["id"]: r.get("us", 0.0) for r in rows}


def timing(latency, ids):
    """Queries/s, p50 and p99 in ms over `ids`, from per-query latencies."""
    values = sorted(latency[i] for i in ids)
    if not values:
        return 0.0, 0.0, 0.0
    pick = lambda p: values[round((len(values) - 1) * p)] / 1000
    return len(values) / (sum(values) / 1e6), pick(0.5), pick(0.99)


def metrics(queries, results, ids):
    m = defaultdict(int)
    by_class = defaultdict(lambda: [0, 0])
    for qid in ids:
        q = queries[qid]
        matches = results.get(qid, [])
        if q["expected"]:
            m["positives"] += 1
            found = any(x["entry"] == q["expected"] for x in matches)
            m["recall"] += found
            # Top-1: the expected entry has the best score (the same person
            # on two lists can tie at the top; either is a right answer).
            best = max((x["score"] for x in matches), default=None)
            m["top1"] += found and any(
                x["entry"] == q["expected"] and x["score"] >= best - 1e-9 for x in matches)
            m["extra_alerts"] += sum(1 for x in matches if x["entry"] != q["expected"])
            cls = by_class[q["class"]]
            cls[0] += found
            cls[1] += 1
        else:
            m["negatives"] += 1
            m["negatives_alerting"] += bool(matches)
    return m, by_class


def pct(a, b):
    return f"{100 * a / b:.1f}%" if b else "–"


def main():
    queries_path, shinsa_path, shinsa_summary, peer_path, peer_summary = sys.argv[1:6]
    with open(queries_path, newline="", encoding="utf-8") as f:
        queries = {r["id"]: r for r in csv.DictReader(f)}
    shinsa, shinsa_us = load_results(shinsa_path)
    peer, peer_us = load_results(peer_path)
    s_sum = json.load(open(shinsa_summary))
    p_sum = json.load(open(peer_summary))
    common = [qid for qid in queries if qid in peer]
    s, s_cls = metrics(queries, shinsa, common)
    p, p_cls = metrics(queries, peer, common)
    s_qps, s_p50, s_p99 = timing(shinsa_us, common)
    p_qps, p_p50, p_p99 = timing(peer_us, common)
    rows = [
        ("operating threshold", f"{s_sum['threshold']}", f"{p_sum['threshold']}"),
        ("queries (same set)", str(len(common)), str(len(common))),
        ("recall (expected entry alerted)", pct(s["recall"], s["positives"]), pct(p["recall"], p["positives"])),
        ("top-1 accuracy", pct(s["top1"], s["positives"]), pct(p["top1"], p["positives"])),
        ("negatives raising an alert", f"{s['negatives_alerting']}/{s['negatives']}", f"{p['negatives_alerting']}/{p['negatives']}"),
        ("extra alerts on positives", str(s["extra_alerts"]), str(p["extra_alerts"])),
        ("queries/s, one core", f"{s_qps:.0f}", f"{p_qps:.1f}"),
        ("p50 latency", f"{s_p50:.2f} ms", f"{p_p50:.1f} ms"),
        ("p99 latency", f"{s_p99:.2f} ms", f"{p_p99:.1f} ms"),
        ("index build", f"{s_sum['index_build_s']:.2f} s", f"{p_sum['index_build_s']:.2f} s"),
        ("peak memory", f"{s_sum['peak_rss_mb']:.0f} MB", f"{p_sum['peak_rss_mb']:.0f} MB"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'shinsa':>14}  {'nomenklatura':>14}")
    for name, a, b in rows:
        print(f"{name:{width}}  {a:>14}  {b:>14}")
    print("\nrecall by query class (same set): shinsa / nomenklatura")
    for cls in sorted(set(s_cls) | set(p_cls)):
        a, b = s_cls[cls], p_cls[cls]
        print(f"  {cls:28} {a[0]:>4}/{a[1]:<4} {b[0]:>4}/{b[1]:<4}")
    # shinsa on the whole set (the peer is too slow for it).
    everything = list(queries)
    full, _ = metrics(queries, shinsa, everything)
    un_ids = [q for q in everything if queries[q]["class"] == "yente-un-treated"]
    un, _ = metrics(queries, shinsa, un_ids)
    print(f"\nshinsa on the whole set ({len(everything)} queries, "
          f"{s_sum['qps']:.0f} queries/s, p99 {s_sum['p99_ms']:.2f} ms):")
    print(f"  recall {pct(full['recall'], full['positives'])}, top-1 {pct(full['top1'], full['positives'])}, "
          f"yente UN treated top-1 {pct(un['top1'], un['positives'])}, "
          f"negatives alerting {full['negatives_alerting']}/{full['negatives']} "
          f"({pct(full['negatives_alerting'], full['negatives'])})")


if __name__ == "__main__":
    main()
