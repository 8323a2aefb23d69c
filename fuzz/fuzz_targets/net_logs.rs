//! Every network-log reader (Zeek TSV/JSON, NetFlow v5/v9/IPFIX, pcap,
//! firewall CSV, lease tables, gzip of any): the format is recognised from
//! the content, so any input reaches any reader. Two reads share one
//! template cache, as files of one run do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shinsa_net::{Flow, Reader, Sighting, Sink, read_bytes};

struct Count(usize);

impl Sink for Count {
    fn flow(&mut self, _: Flow) {
        self.0 += 1;
    }
    fn sighting(&mut self, _: Sighting) {
        self.0 += 1;
    }
}

fuzz_target!(|data: &[u8]| {
    let mut reader = Reader::default();
    let mut sink = Count(0);
    let half = data.len() / 2;
    let _ = read_bytes(&data[..half], "first", &mut reader, &mut sink);
    let _ = read_bytes(&data[half..], "second", &mut reader, &mut sink);
    reader.finish(&mut sink);
});
