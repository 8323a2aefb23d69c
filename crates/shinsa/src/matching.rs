//! `shinsa match`: screen names one by one. Each query is a party of an
//! otherwise empty register, resolved by the same code as `screen`, so a
//! name matches here exactly when it would match in a register.

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;
use shinsa_match::{ListingVia, ResolvedRegister};
use shinsa_model::{
    CountryCode, Date, EntryTarget, Inventory, ListEntry, ListedParty, Operator, Party,
    ReferenceData,
};
use shinsa_policy::Engine;
use std::collections::HashMap;

/// Output format of `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchFormat {
    /// A table for people.
    Table,
    /// One JSON array of query results.
    Json,
    /// One JSON object per query and line.
    Jsonl,
    /// One row per match.
    Csv,
}

/// The identity a query was recognised as.
#[derive(Debug, Serialize)]
pub struct IdentityHit {
    pub id: String,
    /// The identity's canonical name.
    pub name: String,
    /// The name of the identity table the query matched (an alias, a brand,
    /// a native-script name).
    pub matched_name: String,
    pub score: f64,
}

/// One list entry a query matched.
#[derive(Debug, Serialize)]
pub struct EntryHit {
    pub entry_id: String,
    pub list: String,
    pub name: String,
    pub score: f64,
    pub explanation: Vec<String>,
}

/// The answer for one query, best match first.
#[derive(Debug, Serialize)]
pub struct QueryResult {
    pub query: String,
    /// Where the query came from: `arg 1`, `line 3` of a CSV (or its `id`),
    /// or the components of a BOM that name this maker, and how.
    pub source: String,
    pub identity: Option<IdentityHit>,
    pub matches: Vec<EntryHit>,
}

/// Screens the queries as of `day`.
pub fn run(
    queries: Vec<Party>,
    reference: ReferenceData,
    day: Date,
    threshold: f64,
) -> anyhow::Result<Vec<QueryResult>> {
    let inventory = Inventory {
        parties: queries,
        ..Inventory::empty(Operator::named(
            "match",
            "shinsa match",
            CountryCode::parse("JP")?,
        ))
    };
    let engine = Engine::new(reference, threshold);
    let register = engine.resolve(&inventory, day);
    let reference = engine.reference();
    let lookup = Lookup::new(reference);
    Ok(inventory
        .parties
        .iter()
        .map(|party| result(&register, reference, &lookup, party))
        .collect())
}

/// Entries and listed parties by key, built once: looking each match's
/// entry up by walking the lists cost more than matching the query.
struct Lookup<'a> {
    entries: HashMap<String, &'a ListEntry>,
    listed: HashMap<(&'a str, &'a str), &'a ListedParty>,
}

impl<'a> Lookup<'a> {
    fn new(reference: &'a ReferenceData) -> Self {
        Self {
            entries: reference
                .entries
                .iter()
                .map(|entry| (entry.key(), entry))
                .collect(),
            listed: reference
                .listed
                .iter()
                .map(|(list, party)| ((list.as_str(), party.id.as_str()), party))
                .collect(),
        }
    }
}

fn result(
    register: &ResolvedRegister,
    reference: &ReferenceData,
    lookup: &Lookup<'_>,
    party: &Party,
) -> QueryResult {
    let resolved = register.party(&format!("party:{}", party.id));
    let identity = resolved
        .and_then(|p| p.identity.as_ref())
        .map(|(id, found)| IdentityHit {
            id: id.clone(),
            name: reference
                .identity(id)
                .map_or_else(|| found.matched.clone(), |identity| identity.name.clone()),
            matched_name: found.matched.clone(),
            score: round(found.score),
        });
    let own_score = identity.as_ref().map(|hit| hit.score);
    let mut matches: Vec<EntryHit> = resolved
        .map(|p| p.listings.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|listing| {
            let entry = lookup.entries.get(&listing.entry);
            let name = match entry.map(|e| &e.target) {
                Some(EntryTarget::Named { name, .. }) => name.clone(),
                _ => listing.name_match.matched.clone(),
            };
            let mut explanation = listing.name_match.why.clone();
            let score = match &listing.via {
                ListingVia::Direct => listing.name_match.score,
                ListingVia::Owner(owner) => {
                    explanation.push(format!(
                        "controlled by {} ({:.0}%): {}",
                        owner.owner_name,
                        owner.share,
                        owner.hops.join(" → ")
                    ));
                    own_score.unwrap_or(listing.name_match.score)
                }
            };
            if let Some(entry) = entry {
                explanation.push(listed_where(reference, entry));
            }
            explanation.extend(links(lookup, &listing.entry));
            EntryHit {
                entry_id: listing.entry.clone(),
                list: listing.list.clone(),
                name,
                score: round(score),
                explanation,
            }
        })
        .collect();
    matches.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entry_id.cmp(&b.entry_id))
    });
    QueryResult {
        query: party.name.clone(),
        source: party.id.clone(),
        identity,
        matches,
    }
}

/// Where and since when the entry is listed, and on what authority: a
/// person acting on a match checks the source, not shinsa.
fn listed_where(reference: &ReferenceData, entry: &ListEntry) -> String {
    let list = reference
        .lists
        .iter()
        .find(|list| list.id == entry.list)
        .map_or(entry.list.as_str(), |list| list.name.as_str());
    let mut text = format!("listed on {list} ({}) since {}", entry.key(), entry.added);
    if let Some(removed) = entry.removed {
        text.push_str(&format!(", removed {removed}"));
    }
    for part in [&entry.citation, &entry.source] {
        if !part.is_empty() {
            text.push_str("; ");
            text.push_str(part);
        }
    }
    text
}

/// The links a list publishes for an entry (OFAC "Linked To:"), as
/// sentences: not ownership, but what an analyst looks at next.
fn links(lookup: &Lookup<'_>, entry: &str) -> Vec<String> {
    let Some((list, id)) = entry.split_once('/') else {
        return Vec::new();
    };
    let Some(party) = lookup.listed.get(&(list, id)) else {
        return Vec::new();
    };
    party
        .relations
        .iter()
        .filter(|relation| relation.kind == shinsa_model::RelationKind::LinkedTo)
        .map(|relation| {
            let name = lookup
                .listed
                .get(&(list, relation.to.as_str()))
                .map_or(relation.to.as_str(), |other| other.name());
            format!("the list links it to {name} ({list}/{})", relation.to)
        })
        .collect()
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Renders the results.
pub fn render(results: &[QueryResult], format: MatchFormat) -> anyhow::Result<String> {
    match format {
        MatchFormat::Json => Ok(format!("{}\n", serde_json::to_string_pretty(results)?)),
        MatchFormat::Jsonl => {
            let mut out = String::new();
            for result in results {
                out.push_str(&serde_json::to_string(result)?);
                out.push('\n');
            }
            Ok(out)
        }
        MatchFormat::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["query", "entry_id", "list", "name", "score", "explanation"])?;
            for result in results {
                for hit in &result.matches {
                    writer.write_record([
                        result.query.as_str(),
                        hit.entry_id.as_str(),
                        hit.list.as_str(),
                        hit.name.as_str(),
                        &format!("{:.3}", hit.score),
                        &hit.explanation.join("; "),
                    ])?;
                }
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
        MatchFormat::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_header(["Query", "Recognised as", "Entry", "Listed name", "Score"]);
            for result in results {
                let recognised = result
                    .identity
                    .as_ref()
                    .map(|hit| format!("{} ({:.2})", hit.name, hit.score))
                    .unwrap_or_else(|| "—".to_owned());
                if result.matches.is_empty() {
                    table.add_row([result.query.as_str(), &recognised, "no match", "", ""]);
                }
                for hit in &result.matches {
                    table.add_row([
                        result.query.as_str(),
                        &recognised,
                        &hit.entry_id,
                        &hit.name,
                        &format!("{:.2}", hit.score),
                    ]);
                }
            }
            Ok(format!("{table}\n"))
        }
    }
}
