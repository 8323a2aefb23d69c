//! Who made a component whose BOM does not say: read from its package URL,
//! its CPE, or the web and mail addresses it gives, against the reference
//! data's publisher table (`data/package_publishers.csv`). The answer always
//! carries which field gave it, because a package a company publishes is
//! not a purchase from that company and a reviewer must see the difference.

use super::BomComponent;
use shinsa_model::{PackagePublisher, PublisherKey, ReferenceData};

/// A maker inferred for a component, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredPublisher {
    /// The identity's name, as the register would write the supplier.
    pub name: String,
    /// Which field answered and through which row: `purl
    /// pkg:maven/com.huawei.hms/push@6.3 (pkg:maven/com.huawei)`.
    pub because: String,
}

/// The publisher of a component from its identifiers, most specific first:
/// the package URL (the longest matching prefix), then a CPE's vendor, then
/// domains of the supplier's, author's and publisher's addresses.
pub fn infer_publisher(
    component: &BomComponent,
    reference: &ReferenceData,
) -> Option<InferredPublisher> {
    let rows = |kind: PublisherKey| {
        reference
            .publishers
            .iter()
            .filter(move |row| row.kind == kind)
    };
    let answer = |row: &PackagePublisher, field: &str, value: &str| {
        let identity = reference
            .identities
            .iter()
            .find(|identity| identity.id == row.identity)?;
        Some(InferredPublisher {
            name: identity.name.clone(),
            because: format!("{field} {value} ({})", row.key),
        })
    };
    if let Some(purl) = &component.purl {
        let normalised = normalise_purl(purl);
        let best = rows(PublisherKey::Purl)
            .filter(|row| purl_prefix_matches(&row.key, &normalised))
            .max_by_key(|row| row.key.len());
        if let Some(row) = best {
            return answer(row, "purl", purl);
        }
    }
    for cpe in &component.cpes {
        if let Some(vendor) = cpe_vendor(cpe)
            && let Some(row) = rows(PublisherKey::CpeVendor).find(|row| row.key == vendor)
        {
            return answer(row, "CPE", cpe);
        }
    }
    let addresses = [
        ("supplier", component.supplier.as_ref()),
        ("author", component.author.as_ref()),
    ]
    .into_iter()
    .flat_map(|(field, party)| {
        party
            .into_iter()
            .flat_map(move |party| party.contacts.iter().chain([&party.name]))
            .map(move |text| (field, text.as_str()))
    })
    .chain(
        component
            .publisher
            .iter()
            .map(|text| ("publisher", text.as_str())),
    );
    for (field, text) in addresses {
        for domain in domains(text) {
            if let Some(row) = rows(PublisherKey::Domain)
                .find(|row| domain == row.key || domain.ends_with(&format!(".{}", row.key)))
            {
                return answer(row, field, text);
            }
        }
    }
    None
}

/// A purl lower-cased in its type and namespace, with `%40` and friends
/// decoded (`pkg:npm/%40alicloud/pop-core` → `pkg:npm/@alicloud/pop-core`)
/// and without version, qualifiers or subpath.
fn normalise_purl(purl: &str) -> String {
    let end = purl.find(['@', '?', '#']).map_or(purl.len(), |at| {
        // `@` of an npm scope comes right after the type's `/`.
        if purl[..at].ends_with('/') {
            purl[at + 1..]
                .find(['@', '?', '#'])
                .map_or(purl.len(), |next| at + 1 + next)
        } else {
            at
        }
    });
    percent_decode(&purl[..end]).to_lowercase()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(hex) = text.get(index + 1..index + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `pkg:maven/com.huawei` matches `pkg:maven/com.huawei.hms/push` and
/// `pkg:maven/com.huawei/x` but not `pkg:maven/com.huaweix/y`; a key ending
/// in `*` matches any continuation.
fn purl_prefix_matches(key: &str, purl: &str) -> bool {
    if let Some(stem) = key.strip_suffix('*') {
        return purl.starts_with(stem);
    }
    purl.strip_prefix(key)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '.', '@', '-']))
}

/// The vendor of a CPE 2.3 (`cpe:2.3:h:hikvision:…`) or 2.2 (`cpe:/h:hikvision:…`) name.
fn cpe_vendor(cpe: &str) -> Option<String> {
    let rest = cpe
        .strip_prefix("cpe:2.3:")
        .or_else(|| cpe.strip_prefix("cpe:/"))?;
    let vendor = rest.split(':').nth(1)?.replace('\\', "");
    (!vendor.is_empty() && vendor != "*" && vendor != "-").then(|| vendor.to_lowercase())
}

/// Host names in a text: of URLs (`https://x.huawei.com/…`), of mail
/// addresses (`oss@huawei.com`) and bare (`www.huawei.com`).
fn domains(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';'))
        .filter_map(|word| {
            let word = word.split_once("://").map_or(word, |(_, rest)| rest);
            let host = word.rsplit_once('@').map_or(word, |(_, host)| host);
            let host = host
                .find(['/', ':', '?', '#'])
                .and_then(|end| host.get(..end))
                .unwrap_or(host)
                .trim_matches('.')
                .to_lowercase();
            (host.contains('.')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .then_some(host)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_are_compared_without_version_and_with_scopes_decoded() {
        assert_eq!(
            normalise_purl("pkg:npm/%40alicloud/pop-core@1.7.10"),
            "pkg:npm/@alicloud/pop-core"
        );
        assert_eq!(
            normalise_purl("pkg:npm/@alicloud/pop-core@1.7.10?x=1"),
            "pkg:npm/@alicloud/pop-core"
        );
        assert_eq!(
            normalise_purl("pkg:maven/com.Huawei.hms/push@6.3.0"),
            "pkg:maven/com.huawei.hms/push"
        );
        assert!(purl_prefix_matches(
            "pkg:maven/com.huawei",
            "pkg:maven/com.huawei.hms/push"
        ));
        assert!(!purl_prefix_matches(
            "pkg:maven/com.huawei",
            "pkg:maven/com.huaweix/push"
        ));
        assert!(purl_prefix_matches(
            "pkg:pypi/huaweicloudsdk*",
            "pkg:pypi/huaweicloudsdkecs"
        ));
    }

    #[test]
    fn cpe_vendors_and_domains_are_read_from_their_fields() {
        assert_eq!(
            cpe_vendor("cpe:2.3:h:hikvision:ds-2cd2142fwd-i:-:*:*:*:*:*:*:*").as_deref(),
            Some("hikvision")
        );
        assert_eq!(
            cpe_vendor("cpe:/o:zte:zxhn_h108n:2.5").as_deref(),
            Some("zte")
        );
        assert_eq!(cpe_vendor("cpe:2.3:a:*:x"), None);
        assert_eq!(
            domains("Huawei OSS <oss@huawei.com>, https://developer.huawei.com/consumer"),
            ["huawei.com", "developer.huawei.com"]
        );
        assert!(
            domains("git@github.com:chaijs/assertion-error.git").contains(&"github.com".to_owned())
        );
    }
}
