//! VEX documents: CycloneDX VEX (JSON or XML: `vulnerabilities` with their
//! `analysis` and `affects`), and OpenVEX (`statements`). CSAF VEX is read
//! with the other CSAF documents ([`super::csaf`]).

use super::Refusal;
use super::{Read, refusal, text};
use crate::xml::{Element, Source};
use serde_json::Value;
use shinsa_model::{VexStatement, VexStatus};
use std::collections::HashMap;

/// CycloneDX's analysis states as VEX statuses.
fn cyclonedx_status(state: &str) -> Option<VexStatus> {
    Some(match state {
        "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
        "exploitable" => VexStatus::Affected,
        "in_triage" => VexStatus::UnderInvestigation,
        "false_positive" | "not_affected" => VexStatus::NotAffected,
        _ => return None,
    })
}

pub(super) fn read_cyclonedx(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    if bytes.trim_ascii_start().starts_with(b"<") {
        return read_cyclonedx_xml(name, bytes);
    }
    let document = super::json(name, bytes)?;
    // What a `ref` names: a component's package URL, CPE or name.
    let mut named: HashMap<String, String> = HashMap::new();
    let mut components: Vec<&Value> = Vec::new();
    if let Some(component) = document.pointer("/metadata/component") {
        components.push(component);
    }
    let mut pending: Vec<&Value> = document
        .get("components")
        .and_then(Value::as_array)
        .map(|items| items.iter().collect())
        .unwrap_or_default();
    while let Some(component) = pending.pop() {
        pending.extend(
            component
                .get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        components.push(component);
    }
    for component in components {
        if let Some(reference) = text(component, "/bom-ref") {
            let identity = text(component, "/purl")
                .or_else(|| text(component, "/cpe"))
                .or_else(|| text(component, "/name"))
                .unwrap_or(reference);
            named.insert(reference.to_owned(), identity.to_owned());
        }
    }
    let mut read = Read::default();
    let vulnerabilities: &[Value] = document
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    if vulnerabilities.is_empty() {
        read.refusals.push(refusal(
            name,
            "/vulnerabilities",
            "a CycloneDX document without vulnerabilities is no VEX",
        ));
    }
    for (index, vulnerability) in vulnerabilities.iter().enumerate() {
        let pointer = format!("/vulnerabilities/{index}");
        let Some(id) = text(vulnerability, "/id") else {
            read.refusals.push(refusal(
                name,
                &format!("{pointer}/id"),
                "a vulnerability without its id",
            ));
            continue;
        };
        let Some(status) = text(vulnerability, "/analysis/state").and_then(cyclonedx_status) else {
            read.refusals.push(refusal(
                name,
                &format!("{pointer}/analysis/state"),
                "an analysis state (resolved, exploitable, in_triage, false_positive, not_affected)",
            ));
            continue;
        };
        let responses: Vec<&str> = vulnerability
            .pointer("/analysis/response")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let detail = text(vulnerability, "/analysis/detail");
        let action = match (responses.is_empty(), detail) {
            (true, None) => None,
            (true, Some(detail)) => Some(detail.to_owned()),
            (false, None) => Some(responses.join(", ")),
            (false, Some(detail)) => Some(format!("{}: {detail}", responses.join(", "))),
        };
        for (target_index, target) in vulnerability
            .get("affects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(reference) = text(target, "/ref") else {
                continue;
            };
            // A BOM-link (`urn:cdx:…#ref`) names a component of another BOM.
            let local = reference
                .rsplit_once('#')
                .map_or(reference, |(_, local)| local);
            read.statements.push(VexStatement {
                vulnerability: id.to_owned(),
                product: named
                    .get(local)
                    .cloned()
                    .unwrap_or_else(|| local.to_owned()),
                status,
                justification: text(vulnerability, "/analysis/justification").map(str::to_owned),
                action: action.clone(),
                source: super::at(name, &format!("{pointer}/affects/{target_index}")),
            });
        }
    }
    Ok(read)
}

fn read_cyclonedx_xml(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    let source = Source::new(name, crate::xml::utf8(name, bytes)?);
    let root = source.elements()?;
    let mut named: HashMap<String, String> = HashMap::new();
    let mut pending: Vec<&Element> = Vec::new();
    pending.extend(
        root.child("metadata")
            .and_then(|metadata| metadata.child("component")),
    );
    pending.extend(
        root.child("components")
            .into_iter()
            .flat_map(|list| list.children("component")),
    );
    while let Some(component) = pending.pop() {
        pending.extend(
            component
                .child("components")
                .into_iter()
                .flat_map(|list| list.children("component")),
        );
        if let Some(reference) = component.attribute("bom-ref") {
            let identity = component
                .text_of("purl")
                .or_else(|| component.text_of("cpe"))
                .or_else(|| component.text_of("name"))
                .unwrap_or_else(|| reference.to_owned());
            named.insert(reference.to_owned(), identity);
        }
    }
    let mut read = Read::default();
    let vulnerabilities: Vec<&Element> = root
        .child("vulnerabilities")
        .into_iter()
        .flat_map(|list| list.children("vulnerability"))
        .collect();
    if vulnerabilities.is_empty() {
        read.refusals.push(refusal(
            name,
            "/bom/vulnerabilities",
            "a CycloneDX document without vulnerabilities is no VEX",
        ));
    }
    for vulnerability in vulnerabilities {
        let at = source.at(vulnerability.offset).to_string();
        let Some(id) = vulnerability.text_of("id") else {
            read.refusals
                .push(format!("{at}: a vulnerability without its id"));
            continue;
        };
        let analysis = vulnerability.child("analysis");
        let Some(status) = analysis
            .and_then(|analysis| analysis.text_of("state"))
            .and_then(|state| cyclonedx_status(&state))
        else {
            read.refusals
                .push(format!("{at}: {id}: no analysis state shinsa knows"));
            continue;
        };
        let responses: Vec<String> = analysis
            .and_then(|analysis| analysis.child("responses"))
            .into_iter()
            .flat_map(|list| list.children("response"))
            .map(|response| response.text.trim().to_owned())
            .collect();
        let detail = analysis.and_then(|analysis| analysis.text_of("detail"));
        let action = match (responses.is_empty(), detail) {
            (true, detail) => detail,
            (false, None) => Some(responses.join(", ")),
            (false, Some(detail)) => Some(format!("{}: {detail}", responses.join(", "))),
        };
        for target in vulnerability
            .child("affects")
            .into_iter()
            .flat_map(|affects| affects.children("target"))
        {
            let Some(reference) = target.text_of("ref") else {
                continue;
            };
            let local = reference
                .rsplit_once('#')
                .map_or(reference.as_str(), |(_, local)| local);
            read.statements.push(VexStatement {
                vulnerability: id.clone(),
                product: named
                    .get(local)
                    .cloned()
                    .unwrap_or_else(|| local.to_owned()),
                status,
                justification: analysis.and_then(|analysis| analysis.text_of("justification")),
                action: action.clone(),
                source: format!("{}", source.at(target.offset)),
            });
        }
    }
    Ok(read)
}

pub(super) fn read_openvex(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    let document = super::json(name, bytes)?;
    let mut read = Read::default();
    for (index, statement) in document
        .get("statements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let pointer = format!("/statements/{index}");
        let vulnerability = text(statement, "/vulnerability/name")
            .or_else(|| text(statement, "/vulnerability/@id"))
            .or_else(|| statement.get("vulnerability").and_then(Value::as_str));
        let Some(vulnerability) = vulnerability else {
            read.refusals.push(refusal(
                name,
                &format!("{pointer}/vulnerability"),
                "a statement without its vulnerability",
            ));
            continue;
        };
        let Some(status) = text(statement, "/status").and_then(VexStatus::parse) else {
            read.refusals.push(refusal(
                name,
                &format!("{pointer}/status"),
                "a status (not_affected, affected, fixed, under_investigation)",
            ));
            continue;
        };
        for (product_index, product) in statement
            .get("products")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let named = product
                .as_str()
                .or_else(|| text(product, "/identifiers/purl"))
                .or_else(|| text(product, "/identifiers/cpe23"))
                .or_else(|| text(product, "/@id"));
            let Some(named) = named else {
                continue;
            };
            read.statements.push(VexStatement {
                vulnerability: vulnerability.to_owned(),
                product: named.to_owned(),
                status,
                justification: text(statement, "/justification")
                    .or_else(|| text(statement, "/impact_statement"))
                    .map(str::to_owned),
                action: text(statement, "/action_statement").map(str::to_owned),
                source: super::at(name, &format!("{pointer}/products/{product_index}")),
            });
        }
    }
    Ok(read)
}
