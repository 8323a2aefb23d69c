//! The shinsa side of `bench/matching/` (see its README): loads published
//! lists with shinsa's importers, then either exports their parties for the
//! peer, or screens a query file on one thread and reports timings, or
//! measures a synthetic list of N names.
//!
//! ```text
//! match_bench export LIST_FILE… --out parties.jsonl
//! match_bench run QUERIES.csv OUT.jsonl LIST_FILE…
//! match_bench synthetic N
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shinsa_ingest::lists::{ImportOptions, ListFile, import};
use shinsa_match::{DEFAULT_THRESHOLD, Matcher, TargetRef};
use shinsa_model::{ImportedList, ReferenceData};
use std::io::Write as _;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("export") => export(&args[1..]),
        Some("run") => run(&args[1], &args[2], &args[3..]),
        Some("synthetic") => synthetic(args[1].parse().expect("a number of names")),
        _ => panic!("usage: match_bench export|run|synthetic …"),
    }
}

fn load(files: &[String]) -> Vec<ImportedList> {
    let files: Vec<ListFile> = files
        .iter()
        .filter(|f| !f.starts_with("--"))
        .map(|path| ListFile {
            name: path.clone(),
            bytes: std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}")),
        })
        .collect();
    let options = ImportOptions {
        id: None,
        version: None,
        today: shinsa_model::parse_date("2026-11-27").unwrap(),
    };
    import(&files, &options).unwrap_or_else(|errors| panic!("{errors}"))
}

fn reference(lists: Vec<ImportedList>) -> ReferenceData {
    let mut reference = ReferenceData::default();
    for list in lists {
        reference.add_imported(list);
    }
    reference
}

fn export(args: &[String]) {
    let out = args
        .iter()
        .position(|a| a == "--out")
        .map(|i| args[i + 1].clone())
        .expect("--out FILE");
    let files: Vec<String> = args.iter().filter(|a| **a != out).cloned().collect();
    let mut writer = std::io::BufWriter::new(std::fs::File::create(&out).unwrap());
    for list in load(&files) {
        for party in &list.parties {
            let line = serde_json::json!({
                "id": format!("{}/{}", list.info.id, party.id),
                "kind": party.kind.as_str(),
                "names": party.names,
            });
            writeln!(writer, "{line}").unwrap();
        }
    }
}

/// Peak resident memory of this process so far, in MB (VmHWM).
fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// A memory figure of /proc/self/status, in MB.
fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn run(queries: &str, out: &str, files: &[String]) {
    let started = Instant::now();
    let reference = reference(load(files));
    let loaded = started.elapsed();
    let started = Instant::now();
    let matcher = Matcher::new(&reference);
    let build = started.elapsed();
    let mut reader = csv::Reader::from_path(queries).unwrap();
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect();
    let mut writer = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    let mut latencies = Vec::with_capacity(rows.len());
    let all = Instant::now();
    for (id, name) in &rows {
        let started = Instant::now();
        let found = matcher.find(name, DEFAULT_THRESHOLD);
        let micros = started.elapsed().as_secs_f64() * 1e6;
        latencies.push(micros);
        let matches: Vec<serde_json::Value> = found
            .iter()
            .filter_map(|m| match &m.target {
                TargetRef::Entry(key) => Some(serde_json::json!({"entry": key, "score": m.score})),
                TargetRef::Identity(_) => None,
            })
            .collect();
        writeln!(
            writer,
            "{}",
            serde_json::json!({"id": id, "matches": matches, "us": micros})
        )
        .unwrap();
    }
    let total = all.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "engine": "shinsa",
            "threshold": DEFAULT_THRESHOLD,
            "load_s": loaded.as_secs_f64(),
            "index_build_s": build.as_secs_f64(),
            "queries": rows.len(),
            "qps": rows.len() as f64 / total,
            "p50_ms": percentile(&latencies, 0.5) / 1000.0,
            "p99_ms": percentile(&latencies, 0.99) / 1000.0,
            "peak_rss_mb": peak_rss_mb(),
        })
    );
}

/// A deterministic name of two to four words from a syllable inventory.
fn synthetic_name(seed: u64) -> String {
    // 120 syllables: two-syllable words repeat like common name words
    // ("trading", "ivanov"), three-syllable ones like rarer ones.
    const ONSETS: &[&str] = &[
        "k", "t", "r", "m", "s", "v", "d", "l", "p", "z", "h", "n", "b", "g", "sh", "ch", "f", "j",
        "w", "y",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai"];
    const FORMS: &[&str] = &[
        "",
        "",
        "LLC",
        "Co., Ltd.",
        "GmbH",
        "JSC",
        "Holdings",
        "Trading",
    ];
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let words = 2 + (next() % 3) as usize;
    let mut name = Vec::new();
    for _ in 0..words {
        let syllables = 2 + (next() % 2) as usize;
        let mut word = String::new();
        for _ in 0..syllables {
            word.push_str(ONSETS[(next() % ONSETS.len() as u64) as usize]);
            word.push_str(VOWELS[(next() % VOWELS.len() as u64) as usize]);
        }
        name.push(word);
    }
    let form = FORMS[(next() % FORMS.len() as u64) as usize];
    if !form.is_empty() {
        name.push(form.to_owned());
    }
    name.join(" ")
}

fn synthetic(count: usize) {
    use shinsa_model::{ListedParty, PartyKind};
    let parties: Vec<ListedParty> = (0..count)
        .map(|i| {
            ListedParty::new(
                i.to_string(),
                PartyKind::Organization,
                vec![synthetic_name(i as u64)],
            )
        })
        .collect();
    // Only the parties: the list entries screening derives from them are
    // not part of the index.
    let reference = ReferenceData {
        listed: parties
            .into_iter()
            .map(|party: ListedParty| ("synthetic".to_owned(), party))
            .collect(),
        ..ReferenceData::default()
    };
    let started = Instant::now();
    let matcher = Matcher::new(&reference);
    let build = started.elapsed().as_secs_f64();
    drop(reference);
    let resident_after_build = status_mb("VmRSS:");
    // Half the queries are list names with one letter changed, half new names.
    let queries: Vec<String> = (0..10_000u64)
        .map(|i| {
            if i % 2 == 0 {
                let mut name: Vec<char> = synthetic_name(i * 97 % count as u64).chars().collect();
                let at = (i as usize * 7) % name.len();
                if name[at].is_ascii_lowercase() {
                    name[at] = 'x';
                }
                name.into_iter().collect()
            } else {
                synthetic_name(u64::MAX - i)
            }
        })
        .collect();
    let mut latencies = Vec::new();
    let mut hits = 0;
    let all = Instant::now();
    for query in &queries {
        let started = Instant::now();
        hits += usize::from(!matcher.find(query, DEFAULT_THRESHOLD).is_empty());
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let total = all.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "names": count, "index_build_s": build, "queries": queries.len(),
            "queries_with_alerts": hits, "qps": queries.len() as f64 / total,
            "p50_ms": percentile(&latencies, 0.5) / 1000.0, "p99_ms": percentile(&latencies, 0.99) / 1000.0,
            "peak_rss_mb": peak_rss_mb(), "rss_index_only_mb": resident_after_build,
        })
    );
}
