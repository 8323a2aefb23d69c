#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Packets from real exporters (fixtures/netflow, Apache-2.0): read in the
//! order operators often have them (data before template), with values
//! decoded by hand from the bytes.

use shinsa_net::{Flow, Reader, Sighting, Sink, read_file};
use std::path::PathBuf;

#[derive(Default)]
struct Collect(Vec<Flow>);

impl Sink for Collect {
    fn flow(&mut self, flow: Flow) {
        self.0.push(flow);
    }
    fn sighting(&mut self, _: Sighting) {}
}

fn packet(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/netflow")
        .join(name)
}

#[test]
fn huawei_netstream_data_before_its_template() {
    let mut reader = Reader::default();
    let mut flows = Collect::default();
    for name in [
        "netflow9_test_huawei_netstream_data.dat",
        "netflow9_test_huawei_netstream_tpl.dat",
    ] {
        read_file(&packet(name), &mut reader, &mut flows).unwrap();
    }
    assert!(flows.0.is_empty(), "the data waits for template 1315");
    assert_eq!(reader.finish(&mut flows), 1);
    let flow = flows.0[0];
    assert_eq!(
        flow.src,
        "10.108.219.53".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(
        flow.dst,
        "10.111.112.204".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!((flow.dst_port, flow.bytes, flow.proto), (2598, 200, 6));
    assert_eq!(reader.problems.count, 0);
}

#[test]
fn mikrotik_ipfix_and_v5_packets() {
    let mut reader = Reader::default();
    let mut flows = Collect::default();
    read_file(
        &packet("ipfix_test_mikrotik_tpl.dat"),
        &mut reader,
        &mut flows,
    )
    .unwrap();
    let (_, records) = read_file(
        &packet("ipfix_test_mikrotik_data258.dat"),
        &mut reader,
        &mut flows,
    )
    .unwrap();
    assert_eq!(records, 28);
    assert!(
        flows.0.iter().all(|flow| flow.bytes > 0),
        "every record has its octet count"
    );

    let mut v5 = Collect::default();
    read_file(&packet("netflow5.dat"), &mut Reader::default(), &mut v5).unwrap();
    assert_eq!(v5.0.len(), 2);
    let first = v5.0[0];
    assert_eq!(
        (first.src.to_string(), first.dst.to_string()),
        ("10.0.2.2".to_owned(), "10.0.2.15".to_owned())
    );
    assert_eq!((first.dst_port, first.bytes, first.proto), (22, 230, 6));
}

#[test]
fn a_lying_v5_header_is_rejected_with_its_numbers() {
    let mut reader = Reader::default();
    let (_, records) = read_file(
        &packet("netflow5_test_invalid01.dat"),
        &mut reader,
        &mut Collect::default(),
    )
    .unwrap();
    assert_eq!(records, 0);
    assert_eq!(reader.problems.count, 1);
    assert!(
        reader.problems.first[0].to_string().ends_with("netflow5_test_invalid01.dat: packet 1: the header says 55582 records (2667960 bytes), the packet has 1464 bytes"),
        "{}",
        reader.problems.first[0]
    );
}
