#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! A large Zeek log read on several threads gives what one thread gives:
//! the same connections, exposures, inbound summary, devices, counts and
//! malformed records with the same line numbers.

use shinsa_model::{CountryCode, Inventory, Operator};
use shinsa_net::{
    Evidence, Locality, Lookups, PARALLEL_FROM, Reader, read_file, read_file_parallel,
};
use std::io::Write;

/// A pseudo-random Zeek conn.log larger than the parallel threshold: many
/// sources, destinations in a few countries, both directions, some
/// malformed lines and a `#close` footer.
fn log(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("conn.log");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool").unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut line = 8u64;
    let mut written = 0u64;
    while written < PARALLEL_FROM + PARALLEL_FROM / 2 {
        let r = next();
        let local = format!("10.{}.{}.{}", r % 4, (r >> 8) % 16, (r >> 16) % 200 + 1);
        let remote = format!(
            "{}.{}.{}.{}",
            [1, 2, 8, 27, 103][(r >> 24) as usize % 5],
            (r >> 32) % 250,
            (r >> 40) % 250,
            (r >> 48) % 250 + 1
        );
        let text = match (r >> 56) % 16 {
            0 => "this line is not a record\n".to_owned(),
            1..=4 => format!(
                "{}.5\tC{line}\t{remote}\t{}\t{local}\t22\ttcp\t-\t1.0\t{}\t{}\t{}\tF\tT\n",
                1_795_651_200 + line,
                40000 + r % 20000,
                r % 900,
                (r >> 4) % 3 * 700,
                ["S0", "REJ", "SF"][(r >> 12) as usize % 3]
            ),
            5 => format!(
                "{}.5\tC{line}\t{local}\t3\t{remote}\t3\ticmp\t-\t0\t68\t0\tOTH\tT\tF\n",
                1_795_651_200 + line
            ),
            _ => format!(
                "{}.5\tC{line}\t{local}\t{}\t{remote}\t443\ttcp\tssl\t1.0\t{}\t{}\tSF\tT\tF\n",
                1_795_651_200 + line,
                40000 + r % 20000,
                r % 90000,
                r % 7000
            ),
        };
        written += text.len() as u64;
        out.write_all(text.as_bytes()).unwrap();
        line += 1;
    }
    writeln!(out, "#close\t2026-11-27-00-00-00").unwrap();
    out.flush().unwrap();
    path
}

fn inventory() -> Inventory {
    Inventory::empty(Operator::named("T", "T", CountryCode::parse("JP").unwrap()))
}

#[test]
fn a_log_read_on_several_threads_gives_what_one_thread_gives() {
    let dir = tempfile::tempdir().unwrap();
    let path = log(dir.path());
    let geo = dir.path().join("geo.csv");
    std::fs::write(&geo, "1.0.0.0,1.255.255.255,CN\n2.0.0.0,2.255.255.255,RU\n8.0.0.0,8.255.255.255,US\n27.0.0.0,27.255.255.255,JP\n103.0.0.0,103.255.255.255,HK\n").unwrap();
    let lookups = Lookups::open(&[geo], &[], &[]).unwrap();
    let inventory = inventory();

    let mut one_reader = Reader::default();
    let mut one = Evidence::new(&lookups, Locality::of(&inventory));
    let (_, one_records) = read_file(&path, &mut one_reader, &mut one).unwrap();
    let expected = (
        serde_json::to_string(&one.observed(&inventory)).unwrap(),
        format!("{:?}", one.summary),
        serde_json::to_string(&one.inbound()).unwrap(),
        one_reader.problems.clone(),
        one_records,
    );
    assert!(
        one_reader.problems.count > 1000,
        "{}",
        one_reader.problems.count
    );
    assert!(one.summary.inbound_flows > 1000 && one.summary.outbound_flows > 1000);

    for threads in [2, 3, 4] {
        let mut reader = Reader::default();
        let make = || Evidence::new(&lookups, Locality::of(&inventory));
        let (_, records, chunks) = read_file_parallel(&path, &mut reader, threads, &make).unwrap();
        assert_eq!(chunks.len(), threads, "cut into {threads}");
        let mut chunks = chunks.into_iter();
        let mut merged = chunks.next().unwrap();
        for chunk in chunks {
            merged.merge(chunk);
        }
        let got = (
            serde_json::to_string(&merged.observed(&inventory)).unwrap(),
            format!("{:?}", merged.summary),
            serde_json::to_string(&merged.inbound()).unwrap(),
            reader.problems.clone(),
            records,
        );
        assert!(
            got.0 == expected.0,
            "observed differs with {threads} threads"
        );
        assert_eq!(got.1, expected.1, "{threads} threads");
        assert!(
            got.2 == expected.2,
            "inbound differs with {threads} threads"
        );
        assert_eq!(got.3, expected.3, "{threads} threads");
        assert_eq!(got.4, expected.4, "{threads} threads");
    }
}
