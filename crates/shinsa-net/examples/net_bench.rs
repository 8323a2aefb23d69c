//! The end-to-end speed of `shinsa net` on a generated Zeek conn.log:
//! read, parse, look up (country, ASN, provider) and aggregate, as records
//! per second and MB per second, with the peak memory of the process.
//!
//! `net_bench generate FILE RECORDS` writes a conn.log whose destinations
//! are drawn from the ranges of the lookup files; `net_bench run FILE --geo
//! F… --asn F…` reads it. `bench/net/run.sh` runs both beside `cat` and
//! `wc -l`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shinsa_net::{Evidence, Lookups, Reader};
use std::io::Write;
use std::path::PathBuf;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => generate(&PathBuf::from(&args[1]), args[2].parse().unwrap()),
        Some("run") => run(&args[1..]),
        _ => panic!("usage: net_bench generate FILE RECORDS | run FILE [--geo F] [--asn F]"),
    }
}

/// A small deterministic generator (xorshift), so runs are comparable.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn generate(path: &PathBuf, records: u64) {
    let file = std::fs::File::create(path).unwrap();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(b"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-26-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tip_proto\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tcount\n").unwrap();
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    // 20,000 public destinations anywhere; each of 2,000 hosts talks to 40
    // of them (a host's services), and a fifth of the flows stay inside.
    let pool: Vec<String> = (0..20_000)
        .map(|_| {
            let v = (random.next() >> 20) as u32;
            format!(
                "{}.{}.{}.{}",
                1 + (v >> 24) % 222,
                (v >> 16) & 255,
                (v >> 8) & 255,
                v & 255
            )
        })
        .collect();
    let mut line = String::with_capacity(256);
    for index in 0..records {
        line.clear();
        let r = random.next();
        let host = r % 2_000;
        let src = format!(
            "10.{}.{}.{}",
            20 + host / 500,
            (host / 250) % 2,
            1 + host % 250
        );
        let dst = if r.is_multiple_of(5) {
            format!("10.20.{}.{}", (r >> 24) % 250, 1 + (r >> 32) % 250)
        } else {
            pool[((host * 37 + (r >> 12) % 40) % 20_000) as usize].clone()
        };
        let ts = 1_795_651_200.0 + index as f64 * 0.008_6;
        use std::fmt::Write as _;
        writeln!(
            line,
            "{ts:.6}\tC{:016x}\t{src}\t{}\t{dst}\t{}\ttcp\tssl\t{:.6}\t{}\t{}\tSF\tT\tF\t0\tShADadFf\t{}\t{}\t{}\t{}\t-\t6",
            r,
            1024 + r % 60000,
            [443, 80, 8883, 22, 53][(r % 5) as usize],
            (r % 1000) as f64 / 100.0,
            r % 100_000,
            (r >> 7) % 1_000_000,
            10 + r % 90,
            800 + r % 90_000,
            10 + (r >> 3) % 90,
            900 + (r >> 5) % 900_000,
        )
        .unwrap();
        out.write_all(line.as_bytes()).unwrap();
    }
    out.flush().unwrap();
}

fn peak_memory_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn run(args: &[String]) {
    let file = PathBuf::from(&args[0]);
    let mut geo = Vec::new();
    let mut asn = Vec::new();
    let mut threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().unwrap();
        match flag.as_str() {
            "--geo" => geo.push(PathBuf::from(value)),
            "--asn" => asn.push(PathBuf::from(value)),
            "--threads" => threads = value.parse().unwrap(),
            other => panic!("unknown option {other}"),
        }
    }
    let started = std::time::Instant::now();
    let lookups = Lookups::open(&geo, &asn, &[]).unwrap();
    let loaded = started.elapsed().as_secs_f64();
    let mut reader = Reader::default();
    let reading = std::time::Instant::now();
    let make = || Evidence::new(&lookups, shinsa_net::Locality::default());
    let (_, records, chunks) =
        shinsa_net::read_file_parallel(&file, &mut reader, threads, &make).unwrap();
    let mut chunks = chunks.into_iter();
    let mut evidence = chunks.next().unwrap();
    for chunk in chunks {
        evidence.merge(chunk);
    }
    let inventory = shinsa_model::Inventory::empty(shinsa_model::Operator::named(
        "bench",
        "bench",
        shinsa_model::CountryCode::parse("JP").unwrap(),
    ));
    let observed = evidence.observed(&inventory);
    let seconds = reading.elapsed().as_secs_f64();
    let megabytes = std::fs::metadata(&file).unwrap().len() as f64 / 1e6;
    println!("threads            {threads}");
    println!("records            {records}");
    println!("malformed          {}", reader.problems.count);
    println!(
        "lookups loaded     {loaded:.2} s ({} datasets)",
        geo.len() + asn.len()
    );
    println!("read+parse+lookup+aggregate {seconds:.2} s");
    println!("records/s          {:.0}", records as f64 / seconds);
    println!("MB/s               {:.0}", megabytes / seconds);
    println!("connections        {}", observed.connections.len());
    println!("internal flows     {}", evidence.summary.internal_flows);
    println!("peak memory        {:.0} MB", peak_memory_mb());
}
