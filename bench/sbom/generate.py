#!/usr/bin/env python3
"""Writes one SBOM of COUNT components in each form shinsa reads, for
bench/sbom/run.sh. The components are the real ones of two published SBOMs
(OWASP Juice Shop 11.1.2 and Dropwizard 1.3.15, from CycloneDX/bom-examples,
kept in crates/shinsa-ingest/tests/fixtures/sboms-published/): their names,
versions, purls, hashes and licences, repeated with a numbered suffix until
there are COUNT. Nothing here comes from shinsa's own tables.

usage: generate.py OUT_DIR [COUNT]
"""

import json
import os
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PUBLISHED = os.path.join(
    HERE, "..", "..", "crates", "shinsa-ingest", "tests", "fixtures", "sboms-published"
)


def real_components():
    components = []
    for name in ["juice-shop-v11.1.2-bom.json", "dropwizard-1.3.15-bom.json"]:
        with open(os.path.join(PUBLISHED, name), encoding="utf-8") as handle:
            bom = json.load(handle)
        for component in bom.get("components", []):
            licences = []
            for choice in component.get("licenses", []):
                licence = choice.get("license", {})
                value = choice.get("expression") or licence.get("id") or licence.get("name")
                if value:
                    licences.append(value)
            components.append(
                {
                    "name": component["name"],
                    "version": component.get("version", ""),
                    "purl": component.get("purl"),
                    "hashes": [(h["alg"], h["content"]) for h in component.get("hashes", [])],
                    "licences": licences,
                    "publisher": component.get("publisher"),
                }
            )
    return components


def take(count):
    base = real_components()
    out = []
    for index in range(count):
        component = dict(base[index % len(base)])
        round_ = index // len(base)
        if round_:
            component["name"] = f"{component['name']}-{round_}"
            if component["purl"]:
                component["purl"] = component["purl"].replace("@", f"-{round_}@", 1)
        component["ref"] = f"c{index}"
        out.append(component)
    return out


def cyclonedx_json(components):
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "serialNumber": f"urn:uuid:{uuid.UUID(int=1)}",
            "version": 1,
            "metadata": {"component": {"type": "application", "bom-ref": "APP", "name": "bench app"}},
            "components": [
                {
                    "type": "library",
                    "bom-ref": c["ref"],
                    "name": c["name"],
                    "version": c["version"],
                    **({"purl": c["purl"]} if c["purl"] else {}),
                    **(
                        {"hashes": [{"alg": alg, "content": content} for alg, content in c["hashes"]]}
                        if c["hashes"]
                        else {}
                    ),
                    **({"licenses": [{"expression": " OR ".join(c["licences"])}]} if c["licences"] else {}),
                }
                for c in components
            ],
        },
        indent=1,
    )


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def cyclonedx_xml(components):
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bom xmlns="http://cyclonedx.org/schema/bom/1.5" serialNumber="urn:uuid:{uuid.UUID(int=2)}" version="1">',
        '  <metadata><component type="application" bom-ref="APP"><name>bench app</name></component></metadata>',
        "  <components>",
    ]
    for c in components:
        lines.append(f'    <component type="library" bom-ref="{c["ref"]}">')
        lines.append(f"      <name>{xml_escape(c['name'])}</name><version>{xml_escape(c['version'])}</version>")
        if c["hashes"]:
            lines.append(
                "      <hashes>"
                + "".join(f'<hash alg="{alg}">{content}</hash>' for alg, content in c["hashes"])
                + "</hashes>"
            )
        if c["licences"]:
            lines.append(f"      <licenses><expression>{xml_escape(' OR '.join(c['licences']))}</expression></licenses>")
        if c["purl"]:
            lines.append(f"      <purl>{xml_escape(c['purl'])}</purl>")
        lines.append("    </component>")
    lines += ["  </components>", "</bom>", ""]
    return "\n".join(lines)


SPDX_ALG = {"SHA-1": "SHA1", "SHA-256": "SHA256", "SHA-512": "SHA512", "MD5": "MD5", "SHA-384": "SHA384"}


def spdx_json(components):
    return json.dumps(
        {
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "bench app",
            "documentNamespace": "https://example.invalid/bench",
            "creationInfo": {"created": "2026-12-01T00:00:00Z", "creators": ["Tool: generate.py"]},
            "documentDescribes": ["SPDXRef-APP"],
            "packages": [{"SPDXID": "SPDXRef-APP", "name": "bench app", "downloadLocation": "NOASSERTION"}]
            + [
                {
                    "SPDXID": f"SPDXRef-{c['ref']}",
                    "name": c["name"],
                    "versionInfo": c["version"],
                    "downloadLocation": "NOASSERTION",
                    **(
                        {"checksums": [{"algorithm": SPDX_ALG.get(a, a), "checksumValue": v} for a, v in c["hashes"]]}
                        if c["hashes"]
                        else {}
                    ),
                    **({"licenseDeclared": " OR ".join(c["licences"])} if c["licences"] else {}),
                    **(
                        {
                            "externalRefs": [
                                {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": c["purl"]}
                            ]
                        }
                        if c["purl"]
                        else {}
                    ),
                }
                for c in components
            ],
            "relationships": [
                {"spdxElementId": "SPDXRef-APP", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": f"SPDXRef-{c['ref']}"}
                for c in components
            ],
        },
        indent=1,
    )


def spdx_tag_value(components):
    lines = [
        "SPDXVersion: SPDX-2.3",
        "DataLicense: CC0-1.0",
        "SPDXID: SPDXRef-DOCUMENT",
        "DocumentName: bench app",
        "DocumentNamespace: https://example.invalid/bench",
        "Creator: Tool: generate.py",
        "Created: 2026-12-01T00:00:00Z",
        "",
        "PackageName: bench app",
        "SPDXID: SPDXRef-APP",
        "PackageDownloadLocation: NOASSERTION",
        "",
    ]
    for c in components:
        lines += [f"PackageName: {c['name']}", f"SPDXID: SPDXRef-{c['ref']}", f"PackageVersion: {c['version']}", "PackageDownloadLocation: NOASSERTION"]
        lines += [f"PackageChecksum: {SPDX_ALG.get(a, a)}: {v}" for a, v in c["hashes"]]
        if c["licences"]:
            lines.append(f"PackageLicenseDeclared: {' OR '.join(c['licences'])}")
        if c["purl"]:
            lines.append(f"ExternalRef: PACKAGE-MANAGER purl {c['purl']}")
        lines.append("")
    lines.append("Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-APP")
    lines += [f"Relationship: SPDXRef-APP DEPENDS_ON SPDXRef-{c['ref']}" for c in components]
    return "\n".join(lines) + "\n"


def spdx3(components):
    graph = [
        {"type": "CreationInfo", "@id": "_:creationInfo", "specVersion": "3.0.1", "created": "2026-12-01T00:00:00Z", "createdBy": []},
        {"type": "software_Package", "spdxId": "urn:bench:APP", "name": "bench app", "creationInfo": "_:creationInfo"},
        {"type": "software_Sbom", "spdxId": "urn:bench:sbom", "rootElement": ["urn:bench:APP"], "creationInfo": "_:creationInfo"},
        {"type": "SpdxDocument", "spdxId": "urn:bench:doc", "name": "bench app", "rootElement": ["urn:bench:sbom"], "creationInfo": "_:creationInfo"},
    ]
    for c in components:
        element = {
            "type": "software_Package",
            "spdxId": f"urn:bench:{c['ref']}",
            "name": c["name"],
            "software_packageVersion": c["version"],
            "creationInfo": "_:creationInfo",
            "verifiedUsing": [{"type": "Hash", "algorithm": a.lower().replace("-", ""), "hashValue": v} for a, v in c["hashes"]],
        }
        if c["purl"]:
            element["software_packageUrl"] = c["purl"]
        graph.append(element)
    graph.append(
        {
            "type": "Relationship",
            "spdxId": "urn:bench:deps",
            "from": "urn:bench:APP",
            "relationshipType": "dependsOn",
            "to": [f"urn:bench:{c['ref']}" for c in components],
            "creationInfo": "_:creationInfo",
        }
    )
    return json.dumps({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": graph}, indent=1)


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    os.makedirs(out, exist_ok=True)
    components = take(count)
    for name, writer in [
        ("cyclonedx.json", cyclonedx_json),
        ("cyclonedx.xml", cyclonedx_xml),
        ("spdx.json", spdx_json),
        ("spdx.spdx", spdx_tag_value),
        ("spdx3.json", spdx3),
    ]:
        with open(os.path.join(out, f"bom-{count}.{name}"), "w", encoding="utf-8") as handle:
            handle.write(writer(components))


main()
