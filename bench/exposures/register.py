#!/usr/bin/env python3
"""Builds evaluation registers of real device and software versions from the
published records themselves (CVE JSON 5 CNA containers and CISA's CSAF OT
advisories), with what each row must and must not be exposed to.

The truth is computed here, independently of shinsa: only versions written as
plain dotted numbers ("7.0.8", "12.4.11") count as computable, ordered as
tuples of integers; a row "inside" takes a version the record itself names as
affected (the lower bound of a range, an inclusive upper bound, a listed
version); a row "outside" takes the record's own first fixed version (a
`lessThan` bound, a `<X` of a vers range) when no other range of the same
product in that record contains it. Version texts that are not plain dotted
numbers ("V4.30.096build221220 and the versions prior to it", "6.0 R4 以前")
make "prose" rows: shinsa must report them as exposures to review that quote
the text (or place them), never drop them.

Records are split by a hash of their id into a development half and a test
half; the evaluation reports both.

Usage: register.py CVE_TGZ CSAF_TGZ OUT_DIR [--per-half N]
"""

import csv
import hashlib
import io
import json
import os
import re
import sys
import tarfile

PLAIN = re.compile(r"^\d+(\.\d+){0,4}$")
CHUNK = 250
VERSION_TOKEN = re.compile(r"[Vv]?\d+(?:\.\d+)+[A-Za-z0-9().]*")


def half(record_id):
    return "dev" if int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


def key(version):
    return tuple(int(part) for part in version.split("."))


def usable(text):
    return bool(text) and text.strip().lower() not in {"n/a", "unspecified", "unknown", "all", "*", "-", "0"}


def ranges_of(versions):
    """(low, low_inclusive, high, high_inclusive) for plain ranges; None bounds open."""
    out = []
    for entry in versions:
        if entry.get("status") != "affected":
            continue
        version = str(entry.get("version", "")).strip()
        low = version if PLAIN.match(version) else None
        if "lessThan" in entry and PLAIN.match(str(entry["lessThan"])):
            out.append((low, True, str(entry["lessThan"]), False))
        elif "lessThanOrEqual" in entry and PLAIN.match(str(entry["lessThanOrEqual"])):
            out.append((low, True, str(entry["lessThanOrEqual"]), True))
        elif low and not any(k in entry for k in ("lessThan", "lessThanOrEqual")):
            out.append((low, True, low, True))
    return out


def inside(version, ranges):
    v = key(version)
    for low, low_in, high, high_in in ranges:
        if low is not None and (v < key(low) or (v == key(low) and not low_in)):
            continue
        if high is not None and (v > key(high) or (v == key(high) and not high_in)):
            continue
        return True
    return False


def from_cve(tgz, rows):
    with tarfile.open(tgz) as archive:
        for member in archive:
            if not member.isfile() or not member.name.endswith(".json"):
                continue
            try:
                record = json.load(archive.extractfile(member))
            except (ValueError, UnicodeDecodeError):
                continue
            cve = record.get("cveMetadata", {}).get("cveId")
            if not cve or record.get("cveMetadata", {}).get("state") != "PUBLISHED":
                continue
            affected = record.get("containers", {}).get("cna", {}).get("affected", [])
            # A record may name one product in several entries (one per
            # release line): a fixed version of one line may be affected
            # in another, so the ranges are gathered per product first.
            by_product = {}
            for product in affected:
                named = (str(product.get("vendor", "")).strip(), str(product.get("product", "")).strip())
                by_product.setdefault(named, []).extend(product.get("versions", []))
            for product in affected:
                vendor, name = str(product.get("vendor", "")).strip(), str(product.get("product", "")).strip()
                if not usable(vendor) or not usable(name) or len(name) > 80:
                    continue
                versions = product.get("versions", [])
                ranges = ranges_of(by_product[(vendor, name)])
                for entry in versions:
                    if entry.get("status") != "affected":
                        continue
                    version = str(entry.get("version", "")).strip()
                    bounds = [version] + [str(entry[k]) for k in ("lessThan", "lessThanOrEqual") if k in entry]
                    if all(PLAIN.match(b) for b in bounds if usable(b)) and any(usable(b) for b in bounds):
                        if usable(version) and PLAIN.match(version):
                            rows.append((cve, "cve", vendor, name, version, "inside"))
                        if "lessThanOrEqual" in entry:
                            rows.append((cve, "cve", vendor, name, str(entry["lessThanOrEqual"]), "inside"))
                        fixed = entry.get("lessThan")
                        if fixed and PLAIN.match(str(fixed)) and not inside(str(fixed), ranges):
                            rows.append((cve, "cve", vendor, name, str(fixed), "outside"))
                    elif usable(version) and not PLAIN.match(version):
                        token = VERSION_TOKEN.search(version)
                        if token and (" " in version or not re.match(r"^[\w.\-()]+$", version)):
                            rows.append((cve, "cve", vendor, name, token.group(0), "prose"))
                    break  # one row set per product entry keeps the register varied


def branches(node, above, out):
    here = dict(above)
    category, name = node.get("category"), node.get("name")
    if category == "vendor":
        here["vendor"] = name
    elif category == "product_name":
        here["product"] = name
    elif category in ("product_version", "product_version_range"):
        here[category] = name
    if "product" in node:
        out[node["product"]["product_id"]] = here
    for child in node.get("branches", []):
        branches(child, here, out)


def from_csaf(tgz, rows):
    with tarfile.open(tgz) as archive:
        for member in archive:
            if not member.isfile() or not member.name.endswith(".json"):
                continue
            try:
                advisory = json.load(archive.extractfile(member))
            except (ValueError, UnicodeDecodeError):
                continue
            products = {}
            for node in advisory.get("product_tree", {}).get("branches", []):
                branches(node, {}, products)
            for vulnerability in advisory.get("vulnerabilities", []):
                cve = vulnerability.get("cve")
                if not cve:
                    continue
                for product_id in vulnerability.get("product_status", {}).get("known_affected", [])[:3]:
                    product = products.get(product_id)
                    if not product or not usable(product.get("vendor", "")) or not usable(product.get("product", "")):
                        continue
                    vendor, name = product["vendor"], product["product"]
                    if len(name) > 80:
                        continue
                    version = product.get("product_version", "")
                    vers = product.get("product_version_range", "")
                    if version and PLAIN.match(version):
                        rows.append((cve, "csaf", vendor, name, version, "inside"))
                    elif vers.startswith("vers:"):
                        constraints = vers.split("/", 1)[-1].split("|")
                        if len(constraints) == 1 and constraints[0].startswith("<=") and PLAIN.match(constraints[0][2:]):
                            rows.append((cve, "csaf", vendor, name, constraints[0][2:], "inside"))
                        elif len(constraints) == 1 and constraints[0].startswith("<") and PLAIN.match(constraints[0][1:]):
                            rows.append((cve, "csaf", vendor, name, constraints[0][1:], "outside"))
                        elif len(constraints) == 2 and constraints[0].startswith(">=") and constraints[1].startswith("<") \
                                and not constraints[1].startswith("<=") and PLAIN.match(constraints[0][2:]) \
                                and PLAIN.match(constraints[1][1:]):
                            rows.append((cve, "csaf", vendor, name, constraints[0][2:], "inside"))
                            rows.append((cve, "csaf", vendor, name, constraints[1][1:], "outside"))
                    elif version and VERSION_TOKEN.search(version) and " " in version:
                        rows.append((cve, "csaf", vendor, name, VERSION_TOKEN.search(version).group(0), "prose"))


def main():
    cve_tgz, csaf_tgz, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    per_half = int(sys.argv[sys.argv.index("--per-half") + 1]) if "--per-half" in sys.argv else 2000
    rows = []
    from_cve(cve_tgz, rows)
    from_csaf(csaf_tgz, rows)
    # Deterministic sample per half: by a hash of the row.
    rows = sorted(set(rows), key=lambda row: hashlib.sha256(repr(row).encode()).hexdigest())
    for name in ("dev", "test"):
        chosen = [row for row in rows if half(row[0]) == name][:per_half]
        folder = os.path.join(out_dir, name)
        # Registers of CHUNK rows each: a row such as "Linux 5.3" meets two
        # thousand kernel records, and each exposure is a finding.
        for start in range(0, len(chosen), CHUNK):
            register = os.path.join(folder, f"{start // CHUNK:03d}")
            os.makedirs(register, exist_ok=True)
            with open(os.path.join(register, "operator.toml"), "w") as f:
                f.write('id = "eval"\nname = "Evaluation register"\nsector = "electricity"\ncountry = "JP"\n')
            with open(os.path.join(register, "assets.csv"), "w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(["id", "name", "kind", "category", "critical", "manufacturer", "model", "version"])
                for number, (cve, source, vendor, product, version, expect) in enumerate(chosen):
                    if start <= number < start + CHUNK:
                        writer.writerow([f"R{number:05d}", product, "equipment", "other", "true", vendor, product,
                                         version])
        with open(os.path.join(folder, "truth.csv"), "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["asset", "vulnerability", "source", "expect", "vendor", "product", "version"])
            for number, (cve, source, vendor, product, version, expect) in enumerate(chosen):
                writer.writerow([f"R{number:05d}", cve, source, expect, vendor, product, version])
        counts = {}
        for row in chosen:
            counts[row[5]] = counts.get(row[5], 0) + 1
        print(f"{name}: {len(chosen)} rows {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
