//! MyJVN's XML: VULDEF documents (`getVulnDetailInfo`, the JVNDB detail
//! feed: each affected item with its vendor as JVN writes it, in Japanese,
//! its CPE 2.2 and its versions, often prose) and JVNRSS overview lists
//! (`getVulnOverviewList`, the JVNDB RSS feed: products by CPE, versions
//! not given).

use super::Refusal;
use super::{Read, day, refusal, version_text};
use crate::xml::{Element, Source};
use shinsa_model::{Advisory, AdvisorySource, AffectedProduct, Score, VersionStatus};

pub(super) fn read(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    let source = Source::new(name, crate::xml::utf8(name, bytes)?);
    let root = source.elements()?;
    let mut read = Read::default();
    if root.name == "VULDEF-Document" {
        for (index, info) in root.children("Vulinfo").enumerate() {
            match vulinfo(name, &source, info) {
                Some(advisory) => {
                    read.day = read.day.max(
                        info.child("VulinfoData")
                            .and_then(|data| data.text_of("DateLastUpdated"))
                            .and_then(|date| day(&date)),
                    );
                    read.advisories.push(advisory);
                }
                None => read.refusals.push(refusal(
                    name,
                    &format!("/Vulinfo[{}]", index + 1),
                    "a VULDEF entry without its VulinfoID",
                )),
            }
        }
    } else {
        for (index, item) in root.children("item").enumerate() {
            match rss_item(name, &source, item) {
                Some(advisory) => {
                    read.day = read.day.max(advisory.published);
                    read.advisories.push(advisory);
                }
                None => read.refusals.push(refusal(
                    name,
                    &format!("/item[{}]", index + 1),
                    "a JVNRSS item without its sec:identifier",
                )),
            }
        }
    }
    Ok(read)
}

fn location(source: &Source<'_>, element: &Element) -> String {
    source.at(element.offset).to_string()
}

fn vulinfo(file: &str, source: &Source<'_>, info: &Element) -> Option<Advisory> {
    let id = info.text_of("VulinfoID")?;
    let data = info.child("VulinfoData")?;
    let mut products = Vec::new();
    for item in data
        .child("Affected")
        .into_iter()
        .flat_map(|affected| affected.children("AffectedItem"))
    {
        let versions: Vec<String> = item
            .children("VersionNumber")
            .map(|version| version.text.trim().to_owned())
            .filter(|version| !version.is_empty())
            .collect();
        let cpe = item.text_of("Cpe");
        products.push(AffectedProduct {
            vendor: item.text_of("Name").unwrap_or_default(),
            product: item.text_of("ProductName").unwrap_or_default(),
            purl: None,
            cpes: cpe.into_iter().collect(),
            models: Vec::new(),
            running_on: Vec::new(),
            versions: versions
                .iter()
                .flat_map(|version| version_text::read(version, VersionStatus::Affected))
                .collect(),
            default_status: if versions.is_empty() {
                VersionStatus::Unknown
            } else {
                VersionStatus::Unaffected
            },
            origin: location(source, item),
        });
    }
    let mut scores = Vec::new();
    for cvss in data
        .child("Impact")
        .into_iter()
        .flat_map(|impact| impact.children("Cvss"))
    {
        if let Some(base) = cvss
            .text_of("Base")
            .and_then(|base| base.parse::<f64>().ok())
        {
            scores.push(Score {
                version: cvss.attribute("version").unwrap_or_default().to_owned(),
                base,
                vector: cvss.text_of("Vector").unwrap_or_default(),
                by: "JVN".to_owned(),
            });
        }
    }
    scores.sort_by(|a, b| b.base.total_cmp(&a.base));
    let mut cves: Vec<String> = data
        .child("Related")
        .into_iter()
        .flat_map(|related| related.children("RelatedItem"))
        .filter_map(|item| item.text_of("VulinfoID"))
        .filter(|id| id.starts_with("CVE-"))
        .collect();
    cves.sort();
    cves.dedup();
    let solution = data
        .child("Solution")
        .into_iter()
        .flat_map(|solution| solution.children("SolutionItem"))
        .filter_map(|item| item.text_of("Description"))
        .map(|details| shinsa_model::Remediation {
            category: "vendor_fix".to_owned(),
            details,
            url: None,
            products: Vec::new(),
        })
        .collect();
    Some(Advisory {
        id,
        source: AdvisorySource::Jvn,
        cves,
        title: data.text_of("Title").unwrap_or_default(),
        published: data
            .text_of("DateFirstPublished")
            .and_then(|date| day(&date)),
        scores,
        ssvc: None,
        kev_added: None,
        products,
        remediations: solution,
        origin: format!("{file}: {}", location(source, info)),
    })
}

fn rss_item(file: &str, source: &Source<'_>, item: &Element) -> Option<Advisory> {
    let id = item.text_of("identifier")?;
    let products = item
        .children("cpe")
        .map(|cpe| AffectedProduct {
            vendor: cpe.attribute("vendor").unwrap_or_default().to_owned(),
            product: cpe.attribute("product").unwrap_or_default().to_owned(),
            purl: None,
            cpes: vec![cpe.text.trim().to_owned()],
            models: Vec::new(),
            running_on: Vec::new(),
            versions: Vec::new(),
            default_status: VersionStatus::Unknown,
            origin: location(source, cpe),
        })
        .collect();
    let cves = item
        .children("references")
        .filter(|reference| reference.attribute("source") == Some("CVE"))
        .filter_map(|reference| reference.attribute("id").map(str::to_owned))
        .collect();
    let scores = item
        .children("cvss")
        .filter_map(|cvss| {
            Some(Score {
                version: cvss.attribute("version").unwrap_or_default().to_owned(),
                base: cvss.attribute("score")?.parse().ok()?,
                vector: cvss.attribute("vector").unwrap_or_default().to_owned(),
                by: "JVN".to_owned(),
            })
        })
        .collect();
    Some(Advisory {
        id,
        source: AdvisorySource::Jvn,
        cves,
        title: item.text_of("title").unwrap_or_default(),
        published: item
            .text_of("issued")
            .or_else(|| item.text_of("date"))
            .and_then(|date| day(&date)),
        scores,
        ssvc: None,
        kev_added: None,
        products,
        remediations: Vec::new(),
        origin: format!("{file}: {}", location(source, item)),
    })
}
