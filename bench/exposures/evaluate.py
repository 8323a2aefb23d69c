#!/usr/bin/env python3
"""Scores `shinsa screen --format json` of an evaluation register against the
truth register.py wrote beside it.

- inside rows: the exposure to the row's vulnerability must be reported and
  placed (a true positive); missing or only "cannot be placed" is a miss.
- outside rows: an exposure to the row's vulnerability that is placed is a
  false positive; one to review ("cannot be placed") is counted apart.
- prose rows: counted apart, by what shinsa said: placed, a review that
  quotes the source's text, or nothing.

Usage: evaluate.py TRUTH_CSV REPORT_JSON… [--misses N]
"""

import csv
import json
import sys


def main():
    truth_path = sys.argv[1]
    show = int(sys.argv[sys.argv.index("--misses") + 1]) if "--misses" in sys.argv else 0
    reports = [arg for arg in sys.argv[2:] if arg.endswith(".json")]
    findings = [finding for path in reports for finding in json.load(open(path))["findings"]]
    said = {}
    for finding in findings:
        if finding["subject"]["kind"] != "exposure":
            continue
        for evidence in finding["evidence"]:
            if evidence["kind"] == "exposure":
                said[finding["subject"]["id"]] = evidence
    tp = fn = fp = outside_review = outside_clear = 0
    prose = {"placed": 0, "review quoting the source": 0, "review": 0, "nothing": 0}
    misses, false_positives = [], []
    for row in csv.DictReader(open(truth_path)):
        exposure = said.get(f"{row['asset']}/{row['vulnerability']}")
        if row["expect"] == "inside":
            if exposure and exposure["placed"]:
                tp += 1
            else:
                fn += 1
                misses.append((row, exposure))
        elif row["expect"] == "outside":
            if exposure and exposure["placed"]:
                fp += 1
                false_positives.append((row, exposure))
            elif exposure:
                outside_review += 1
            else:
                outside_clear += 1
        else:
            if not exposure:
                prose["nothing"] += 1
            elif exposure["placed"]:
                prose["placed"] += 1
            elif "the source says" in exposure["placement"]:
                prose["review quoting the source"] += 1
            else:
                prose["review"] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"computable: {tp + fn} inside, {fp + outside_review + outside_clear} outside")
    print(f"  true positives {tp}, missed {fn}, false positives {fp}")
    print(f"  outside rows left to review {outside_review}, cleared {outside_clear}")
    print(f"  precision {precision:.3f}  recall {recall:.3f}")
    print(f"prose: {sum(prose.values())} rows: " + ", ".join(f"{k} {v}" for k, v in prose.items()))
    for row, exposure in misses[:show]:
        print("MISS", row["asset"], row["vulnerability"], row["source"], row["vendor"], "|", row["product"], "|",
              row["version"], "|", exposure and exposure["placement"])
    for row, exposure in false_positives[:show]:
        print("FP", row["asset"], row["vulnerability"], row["vendor"], "|", row["product"], "|", row["version"], "|",
              exposure["placement"])


if __name__ == "__main__":
    main()
