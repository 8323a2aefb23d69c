//! Lookups: where an address is (country), which network announces it
//! (ASN and organisation), which provider that network belongs to (the
//! shipped table), and which company a MAC address was assigned to.
//! Each answer names its dataset and that dataset's date.

use crate::record::Mac;
use shinsa_model::CountryCode;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// Inclusive address ranges with a value each, sorted by start; IPv4 and
/// IPv6 apart. Starts are kept in their own dense arrays, and IPv4 has an
/// index by the address's first 16 bits, so a lookup touches a few cache
/// lines (the IPv4 lookup was 44 % of `shinsa net` before; `bench/net`).
#[derive(Debug, Clone)]
pub struct RangeTable<V> {
    v4: Ranges<u32, V>,
    v6: Ranges<u128, V>,
    /// For each 16-bit prefix, the first IPv4 range starting at or after it.
    v4_index: Vec<u32>,
}

#[derive(Debug, Clone)]
struct Ranges<K, V> {
    starts: Vec<K>,
    ends: Vec<K>,
    values: Vec<V>,
}

impl<K: Ord + Copy, V> Ranges<K, V> {
    fn new() -> Self {
        Ranges {
            starts: Vec::new(),
            ends: Vec::new(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, start: K, end: K, value: V) {
        self.starts.push(start);
        self.ends.push(end);
        self.values.push(value);
    }

    fn sort(&mut self) {
        let mut order: Vec<usize> = (0..self.starts.len()).collect();
        order.sort_by_key(|at| self.starts[*at]);
        let mut taken: Vec<Option<V>> = std::mem::take(&mut self.values)
            .into_iter()
            .map(Some)
            .collect();
        self.starts = order.iter().map(|at| self.starts[*at]).collect();
        self.ends = order.iter().map(|at| self.ends[*at]).collect();
        self.values = order.iter().filter_map(|at| taken[*at].take()).collect();
    }

    /// The range holding `key`, searching the starts in `from..to`.
    fn find(&self, key: K, from: usize, to: usize) -> Option<&V> {
        let slice = self.starts.get(from..to)?;
        let after = from + slice.partition_point(|start| *start <= key);
        let at = after.checked_sub(1)?;
        (key <= *self.ends.get(at)?)
            .then(|| self.values.get(at))
            .flatten()
    }

    fn len(&self) -> usize {
        self.starts.len()
    }
}

impl<V> Default for RangeTable<V> {
    fn default() -> Self {
        RangeTable {
            v4: Ranges::new(),
            v6: Ranges::new(),
            v4_index: Vec::new(),
        }
    }
}

impl<V> RangeTable<V> {
    pub fn get(&self, ip: IpAddr) -> Option<&V> {
        match ip {
            IpAddr::V4(v4) => self.get_v4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.get_v4(u32::from(v4)),
                None => self.v6.find(u128::from(v6), 0, self.v6.len()),
            },
        }
    }

    fn get_v4(&self, key: u32) -> Option<&V> {
        let prefix = (key >> 16) as usize;
        let from = *self.v4_index.get(prefix)? as usize;
        let to = self
            .v4_index
            .get(prefix + 1)
            .map_or(self.v4.len(), |next| *next as usize);
        // The range holding `key` may start in an earlier bucket.
        self.v4.find(key, from.saturating_sub(1), to)
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn sort(&mut self) {
        self.v4.sort();
        self.v6.sort();
        self.v4_index = (0..=u16::MAX as u32)
            .map(|prefix| {
                let first = self
                    .v4
                    .starts
                    .partition_point(|start| *start < prefix << 16);
                u32::try_from(first).unwrap_or(u32::MAX)
            })
            .collect();
    }
}

/// An address in a range file: dotted or colon text, or a decimal number.
enum Bound {
    V4(u32),
    V6(u128),
    Number(u128),
}

fn bound(text: &str) -> Option<Bound> {
    let text = text.trim();
    if let Ok(number) = text.parse::<u128>() {
        return Some(Bound::Number(number));
    }
    match text.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some(Bound::V4(u32::from(v4))),
        IpAddr::V6(v6) => Some(Bound::V6(u128::from(v6))),
    }
}

/// One row of a range file, before IPv4 and IPv6 numbers are told apart.
struct Row<V> {
    start: Bound,
    end: Bound,
    value: V,
}

/// What a range file held: a country per range, or an ASN and organisation.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeValue {
    Country(CountryCode),
    Network(u32, String),
}

/// A CSV reader's error, with the line it names.
fn csv_error(file: &str, error: &csv::Error) -> LookupError {
    LookupError {
        file: file.to_owned(),
        line: error.position().map_or(0, |p| p.line()),
        reason: error.to_string(),
    }
}

/// A lookup file whose lines could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {}{reason}", if *line > 0 { format!("line {line}: ") } else { String::new() })]
pub struct LookupError {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

/// When a dataset file was made: the npm package it came in says so in
/// its version (`@ip-location-db/asn` 2.3.2026061719 is data of 2026-06-17);
/// otherwise the file's date, unless it is npm's fixed 1985-10-26.
/// A cell of a CSV record, trimmed; a record shorter than its header has
/// empty cells at its end (the tables' rows are checked for what they must
/// hold where they are read).
fn cell(record: &csv::StringRecord, at: usize) -> &str {
    record.get(at).unwrap_or_default().trim()
}

fn file_date(path: &Path) -> Option<String> {
    let package = path.parent().map(|dir| dir.join("package.json"));
    if let Some(text) = package.and_then(|p| std::fs::read_to_string(p).ok())
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
        && let (Some(name), Some(version)) = (json["name"].as_str(), json["version"].as_str())
    {
        let stamp = version.rsplit_once('.').map_or(version, |(_, stamp)| stamp);
        let data = match (stamp.get(..4), stamp.get(4..6), stamp.get(6..8)) {
            (Some(y), Some(m), Some(d)) if stamp.len() >= 8 => format!(", data of {y}-{m}-{d}"),
            _ => String::new(),
        };
        return Some(format!("npm {name} {version}{data}"));
    }
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let date = time::OffsetDateTime::from(modified).date();
    (date.year() > 1985).then(|| format!("file dated {date}"))
}

/// Reads a range file in the ip-location-db layouts (`start,end,cc`;
/// `start,end,asn,org`; dotted, colon or decimal addresses) or tor's
/// `geoip`/`geoip6` (`#` comments, `start,end,cc`). Decimal numbers are
/// IPv6 when any in the file exceeds 32 bits. `??`, `ZZ` and `-` mean
/// unknown and are left out.
pub fn read_ranges(path: &Path) -> Result<(RangeTable<RangeValue>, String), LookupError> {
    let file = path.display().to_string();
    let text = std::fs::read(path).map_err(|error| LookupError {
        file: file.clone(),
        line: 0,
        reason: error.to_string(),
    })?;
    let (table, generated) = parse_ranges(&text, &file)?;
    let name = path
        .file_name()
        .map_or(file, |n| n.to_string_lossy().into_owned());
    let date = generated
        .or_else(|| file_date(path))
        .unwrap_or_else(|| "undated".to_owned());
    Ok((table, format!("{name} ({date})")))
}

/// Reads a range file's bytes (`file` names it in errors); returns the
/// table and the date the file says it was generated, if it says.
pub fn parse_ranges(
    text: &[u8],
    file: &str,
) -> Result<(RangeTable<RangeValue>, Option<String>), LookupError> {
    let file = file.to_owned();
    let mut date = None;
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text);
    // tor's files say when they were made in a comment.
    for line in text.split(|b| *b == b'\n').take(20) {
        let line = String::from_utf8_lossy(line);
        if let Some(generated) = line
            .strip_prefix("# Generated:")
            .or_else(|| line.strip_prefix("# Last updated based on"))
        {
            date = Some(format!("generated {}", generated.trim()));
        }
    }
    let mut wide = false;
    for record in reader.records() {
        let record = record.map_err(|error| csv_error(&file, &error))?;
        let line = record.position().map_or(0, |p| p.line());
        let fail = |reason: String| LookupError {
            file: file.clone(),
            line,
            reason,
        };
        let field = |at: usize| cell(&record, at);
        let (Some(start), Some(end)) = (bound(field(0)), bound(field(1))) else {
            return Err(fail(format!(
                "expected start,end addresses, found {:?}",
                record.iter().take(2).collect::<Vec<_>>().join(",")
            )));
        };
        for value in [&start, &end] {
            if let Bound::Number(number) = value {
                wide |= *number > u128::from(u32::MAX);
            }
        }
        let value = match record.len() {
            3 => match field(2) {
                "??" | "ZZ" | "-" | "" => continue,
                code => RangeValue::Country(
                    CountryCode::parse(code)
                        .map_err(|_| fail(format!("expected a country code, found {code:?}")))?,
                ),
            },
            n if n >= 4 => {
                let asn = field(2).trim_start_matches("AS");
                match asn.parse::<u32>() {
                    Ok(0) => continue,
                    Ok(number) => RangeValue::Network(number, field(3).to_owned()),
                    Err(_) => return Err(fail(format!("expected an AS number, found {asn:?}"))),
                }
            }
            n => {
                return Err(fail(format!(
                    "expected 3 columns (start,end,country) or 4 (start,end,asn,organisation), found {n}"
                )));
            }
        };
        rows.push(Row { start, end, value });
    }
    let mut table = RangeTable::default();
    for row in rows {
        let as_v6 = |bound: &Bound| match bound {
            Bound::V6(v) => Some(*v),
            Bound::Number(n) if wide => Some(*n),
            _ => None,
        };
        let as_v4 = |bound: &Bound| match bound {
            Bound::V4(v) => Some(*v),
            Bound::Number(n) if !wide => u32::try_from(*n).ok(),
            _ => None,
        };
        if let (Some(start), Some(end)) = (as_v4(&row.start), as_v4(&row.end)) {
            table.v4.push(start, end, row.value);
        } else if let (Some(start), Some(end)) = (as_v6(&row.start), as_v6(&row.end)) {
            table.v6.push(start, end, row.value);
        }
    }
    table.sort();
    Ok((table, date))
}

/// What an `.mmdb` record may hold, in the layouts of MaxMind GeoIP2/
/// GeoLite2, ip-location-db and IPinfo.
#[derive(Debug, Default, serde::Deserialize)]
struct MmdbRecord<'a> {
    country_code: Option<&'a str>,
    country: Option<MmdbCountry<'a>>,
    registered_country: Option<MmdbCountry<'a>>,
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<&'a str>,
    asn: Option<&'a str>,
    as_name: Option<&'a str>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct MmdbCountry<'a> {
    iso_code: Option<&'a str>,
}

impl MmdbRecord<'_> {
    fn asn(&self) -> Option<u32> {
        self.autonomous_system_number.or_else(|| {
            self.asn
                .and_then(|a| a.trim_start_matches("AS").parse().ok())
        })
    }
}

/// One source of answers about addresses.
enum AddressData {
    Ranges(RangeTable<RangeValue>),
    Mmdb(Box<maxminddb::Reader<Vec<u8>>>),
}

struct Dataset {
    data: AddressData,
    label: String,
}

impl Dataset {
    fn open(path: &Path) -> Result<Dataset, LookupError> {
        let file = path.display().to_string();
        if path.extension().is_some_and(|ext| ext == "mmdb") {
            let reader = maxminddb::Reader::open_readfile(path).map_err(|error| LookupError {
                file: file.clone(),
                line: 0,
                reason: error.to_string(),
            })?;
            let built = i64::try_from(reader.metadata().build_epoch)
                .ok()
                .and_then(|epoch| time::OffsetDateTime::from_unix_timestamp(epoch).ok())
                .map(|at| at.date().to_string())
                .ok_or_else(|| LookupError {
                    file: file.clone(),
                    line: 0,
                    reason: format!(
                        "the database's build time {} is not a time",
                        reader.metadata().build_epoch
                    ),
                })?;
            let name = path
                .file_name()
                .map_or(file, |n| n.to_string_lossy().into_owned());
            let label = format!("{name} ({} built {built})", reader.metadata().database_type);
            return Ok(Dataset {
                data: AddressData::Mmdb(Box::new(reader)),
                label,
            });
        }
        let (table, label) = read_ranges(path)?;
        Ok(Dataset {
            data: AddressData::Ranges(table),
            label,
        })
    }

    fn country(&self, ip: IpAddr) -> Option<CountryCode> {
        match &self.data {
            AddressData::Ranges(table) => match table.get(ip)? {
                RangeValue::Country(code) => Some(*code),
                RangeValue::Network(..) => None,
            },
            AddressData::Mmdb(reader) => {
                let result = reader.lookup(ip).ok()?;
                let record: MmdbRecord<'_> = result.decode().ok()??;
                let code = record
                    .country_code
                    .or(record.country.and_then(|c| c.iso_code))
                    .or(record.registered_country.and_then(|c| c.iso_code))?;
                CountryCode::parse(code).ok()
            }
        }
    }

    /// The AS number alone (the hot path: no strings).
    fn asn(&self, ip: IpAddr) -> Option<u32> {
        match &self.data {
            AddressData::Ranges(table) => match table.get(ip)? {
                RangeValue::Network(asn, _) => Some(*asn),
                RangeValue::Country(_) => None,
            },
            AddressData::Mmdb(reader) => {
                let result = reader.lookup(ip).ok()?;
                let record: MmdbRecord<'_> = result.decode().ok()??;
                record.asn()
            }
        }
    }

    fn network(&self, ip: IpAddr) -> Option<(u32, String)> {
        match &self.data {
            AddressData::Ranges(table) => match table.get(ip)? {
                RangeValue::Network(asn, org) => Some((*asn, org.clone())),
                RangeValue::Country(_) => None,
            },
            AddressData::Mmdb(reader) => {
                let result = reader.lookup(ip).ok()?;
                let record: MmdbRecord<'_> = result.decode().ok()??;
                let org = record.autonomous_system_organization.or(record.as_name);
                Some((record.asn()?, org.unwrap_or_default().to_owned()))
            }
        }
    }
}

/// A data-centre provider: who runs a network and who owns that company.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub name: String,
    pub parent: String,
    pub parent_country: CountryCode,
    pub category: String,
    pub source: String,
}

/// The shipped ASN → provider table (`data/asn_providers.csv`).
const PROVIDERS: &str = include_str!("../../../data/asn_providers.csv");

/// The shipped ASN → kind of network table (`data/network_kinds.csv`).
const NETWORK_KINDS: &str = include_str!("../../../data/network_kinds.csv");

/// The kinds a network can be of.
const KINDS: [&str; 5] = ["hosting", "access", "transit", "education", "content"];

/// What kind of network each listed AS is (`hosting`, `access`, …).
pub fn network_kinds() -> Result<HashMap<u32, &'static str>, LookupError> {
    let mut reader = csv::Reader::from_reader(NETWORK_KINDS.as_bytes());
    let mut table = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|error| csv_error("data/network_kinds.csv", &error))?;
        let line = record.position().map_or(0, |p| p.line());
        let fail = |reason: String| LookupError {
            file: "data/network_kinds.csv".to_owned(),
            line,
            reason,
        };
        let field = |at: usize| cell(&record, at);
        let asn = field(0)
            .parse::<u32>()
            .map_err(|_| fail(format!("asn: expected a number, found {:?}", field(0))))?;
        let kind = KINDS
            .iter()
            .find(|kind| **kind == field(1))
            .ok_or_else(|| {
                fail(format!(
                    "kind: expected one of {KINDS:?}, found {:?}",
                    field(1)
                ))
            })?;
        table.insert(asn, *kind);
    }
    Ok(table)
}

/// The provider table, by ASN.
pub fn providers() -> Result<HashMap<u32, Provider>, LookupError> {
    let mut reader = csv::Reader::from_reader(PROVIDERS.as_bytes());
    let mut table = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|error| csv_error("data/asn_providers.csv", &error))?;
        let line = record.position().map_or(0, |p| p.line());
        let fail = |reason: String| LookupError {
            file: "data/asn_providers.csv".to_owned(),
            line,
            reason,
        };
        let field = |at: usize| cell(&record, at).to_owned();
        let asn = field(0)
            .parse::<u32>()
            .map_err(|_| fail(format!("asn: expected a number, found {:?}", field(0))))?;
        let country = CountryCode::parse(&field(3)).map_err(|_| {
            fail(format!(
                "parent_country: expected a country code, found {:?}",
                field(3)
            ))
        })?;
        table.insert(
            asn,
            Provider {
                name: field(1),
                parent: field(2),
                parent_country: country,
                category: field(4),
                source: field(5),
            },
        );
    }
    Ok(table)
}

/// MAC prefixes (24, 28 or 36 bits) and the organisations they were
/// assigned to, from IEEE registry CSVs (`Registry,Assignment,Organization
/// Name,…`: oui.csv, mam.csv, oui36.csv).
#[derive(Debug, Clone, Default)]
pub struct VendorTable {
    /// (prefix bits, prefix value) → organisation.
    prefixes: HashMap<(u8, u64), String>,
    label: String,
}

impl VendorTable {
    pub fn read(paths: &[std::path::PathBuf]) -> Result<VendorTable, LookupError> {
        let mut table = VendorTable::default();
        let mut labels = Vec::new();
        for path in paths {
            let file = path.display().to_string();
            let mut reader = csv::Reader::from_path(path).map_err(|error| LookupError {
                file: file.clone(),
                line: 0,
                reason: error.to_string(),
            })?;
            for record in reader.records() {
                let record = record.map_err(|error| csv_error(&file, &error))?;
                let assignment = cell(&record, 1);
                let bits = u8::try_from(assignment.len() * 4).unwrap_or(0);
                let Ok(value) = u64::from_str_radix(assignment, 16) else {
                    return Err(LookupError {
                        file: file.clone(),
                        line: record.position().map_or(0, |p| p.line()),
                        reason: format!("Assignment: expected hex digits, found {assignment:?}"),
                    });
                };
                if matches!(bits, 24 | 28 | 36) {
                    table
                        .prefixes
                        .insert((bits, value), cell(&record, 2).to_owned());
                }
            }
            let name = path
                .file_name()
                .map_or(file, |n| n.to_string_lossy().into_owned());
            labels.push(format!(
                "{name} ({})",
                file_date(path).unwrap_or_else(|| "undated".to_owned())
            ));
        }
        table.label = labels.join(", ");
        Ok(table)
    }

    fn get(&self, mac: Mac) -> Option<&str> {
        let value = mac
            .0
            .iter()
            .fold(0u64, |acc, byte| acc << 8 | u64::from(*byte));
        [36u8, 28, 24].iter().find_map(|bits| {
            self.prefixes
                .get(&(*bits, value >> (48 - bits)))
                .map(String::as_str)
        })
    }
}

#[cfg(feature = "ieee-registry")]
fn compiled_vendor(mac: Mac) -> Option<String> {
    oui_data::lookup(&mac.to_string()).map(|record| record.organization().to_owned())
}

#[cfg(not(feature = "ieee-registry"))]
fn compiled_vendor(_: Mac) -> Option<String> {
    None
}

/// Every lookup a run uses, with the labels its answers carry.
pub struct Lookups {
    geo: Vec<Dataset>,
    asn: Vec<Dataset>,
    providers: HashMap<u32, Provider>,
    kinds: HashMap<u32, &'static str>,
    vendors: Option<VendorTable>,
}

impl std::fmt::Debug for Lookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.labels()).finish()
    }
}

/// Where an address is and which network announces it: what the hot path
/// needs, with no strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Located {
    pub country: Option<CountryCode>,
    pub asn: Option<u32>,
}

/// A destination, as the datasets answer for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Destination {
    pub country: Option<CountryCode>,
    pub network: Option<(u32, String)>,
    pub provider: Option<Provider>,
    /// `hosting` for a cloud, CDN or security provider of the provider
    /// table or a hosting network of `data/network_kinds.csv`; the table's
    /// kind otherwise; `unknown` when neither knows the network.
    pub kind: &'static str,
}

impl Lookups {
    /// `geo` and `asn` files (`.mmdb` or range CSVs; several of each, e.g.
    /// the IPv4 and IPv6 files, asked in order); IEEE CSVs for MAC vendors,
    /// or none for the registry compiled in (crate `oui-data`).
    pub fn open(
        geo: &[std::path::PathBuf],
        asn: &[std::path::PathBuf],
        oui: &[std::path::PathBuf],
    ) -> Result<Lookups, LookupError> {
        Ok(Lookups {
            geo: geo
                .iter()
                .map(|p| Dataset::open(p))
                .collect::<Result<_, _>>()?,
            asn: asn
                .iter()
                .map(|p| Dataset::open(p))
                .collect::<Result<_, _>>()?,
            providers: providers()?,
            kinds: network_kinds()?,
            vendors: if oui.is_empty() {
                None
            } else {
                Some(VendorTable::read(oui)?)
            },
        })
    }

    /// Country and AS number of an address, without allocating.
    pub fn locate(&self, ip: IpAddr) -> Located {
        Located {
            country: self.geo.iter().find_map(|d| d.country(ip)),
            asn: self.asn.iter().find_map(|d| d.asn(ip)),
        }
    }

    /// Everything the datasets say of an address: country, network and
    /// its organisation, provider.
    pub fn destination(&self, ip: IpAddr) -> Destination {
        let country = self.geo.iter().find_map(|d| d.country(ip));
        let network = self.asn.iter().find_map(|d| d.network(ip));
        let provider = network
            .as_ref()
            .and_then(|(asn, _)| self.providers.get(asn))
            .cloned();
        // A carrier in the provider table is still a carrier: its access
        // network is not a data centre.
        let kind = match (&provider, &network) {
            (Some(provider), _) if provider.category != "telecom" => "hosting",
            (_, Some((asn, _))) => self.kinds.get(asn).copied().unwrap_or(match &provider {
                Some(_) => "access",
                None => "unknown",
            }),
            (_, None) => "unknown",
        };
        Destination {
            country,
            network,
            provider,
            kind,
        }
    }

    /// The organisation a vendor-assigned MAC belongs to.
    pub fn vendor(&self, mac: Mac) -> Option<String> {
        if !mac.is_vendor_assigned() {
            return None;
        }
        match &self.vendors {
            Some(table) => table.get(mac).map(str::to_owned),
            None => compiled_vendor(mac),
        }
    }

    /// Which datasets answer which question, for every finding's evidence.
    pub fn labels(&self) -> Vec<String> {
        let mut labels = Vec::new();
        for (role, sets) in [("country", &self.geo), ("network", &self.asn)] {
            for set in sets {
                labels.push(format!("{role}: {}", set.label));
            }
        }
        labels.push(format!(
            "provider: data/asn_providers.csv ({} networks)",
            self.providers.len()
        ));
        labels.push(format!(
            "data-centre classification: data/network_kinds.csv ({} networks; hosting ASNs from X4BNet/lists_vpn of 2026-08-22)",
            self.kinds.len()
        ));
        labels.push(match &self.vendors {
            Some(table) => format!("MAC vendor: {}", table.label),
            None if cfg!(feature = "ieee-registry") => {
                "MAC vendor: IEEE registry as compiled into oui-data 0.2".to_owned()
            }
            None => "MAC vendor: none (this build has no registry; give --oui)".to_owned(),
        });
        labels
    }
}
