//! Every network-log reader (Zeek TSV/JSON, NetFlow v5/v9/IPFIX, pcap,
//! firewall CSV, lease tables, gzip of any): the format is recognised from
//! the content, so any input reaches any reader. Two reads share one
//! template cache, as files of one run do; the flows go through the
//! evidence (direction, state, inbound summary, exposure) as in `net`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shinsa_net::{Evidence, Locality, Lookups, Reader, read_bytes};
use std::sync::OnceLock;

fn lookups() -> &'static Lookups {
    static LOOKUPS: OnceLock<Lookups> = OnceLock::new();
    LOOKUPS.get_or_init(|| match Lookups::open(&[], &[], &[]) {
        Ok(lookups) => lookups,
        Err(error) => panic!("the shipped tables load: {error}"),
    })
}

fuzz_target!(|data: &[u8]| {
    let mut reader = Reader::default();
    let mut evidence = Evidence::new(lookups(), Locality::default());
    let half = data.len() / 2;
    let _ = read_bytes(&data[..half], "first", &mut reader, &mut evidence);
    let _ = read_bytes(&data[half..], "second", &mut reader, &mut evidence);
    reader.finish(&mut evidence);
    let _ = evidence.inbound();
});
