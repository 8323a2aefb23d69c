#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! The readers on hand-made logs and packets: values read, malformed
//! records counted with their place, formats recognised by content.

use shinsa_net::{Flow, Format, Mac, Reader, Sighting, Sink, read_bytes};
use std::io::Write;
use std::net::IpAddr;

#[derive(Default)]
struct Collect {
    flows: Vec<Flow>,
    sightings: Vec<Sighting>,
}

impl Sink for Collect {
    fn flow(&mut self, flow: Flow) {
        self.flows.push(flow);
    }
    fn sighting(&mut self, sighting: Sighting) {
        self.sightings.push(sighting);
    }
}

fn read(data: &[u8], reader: &mut Reader) -> (Format, Collect) {
    let mut sink = Collect::default();
    let (format, records) = read_bytes(data, "test.log", reader, &mut sink).unwrap();
    assert_eq!(records as usize, sink.flows.len() + sink.sightings.len());
    (format, sink)
}

/// The error of a file that cannot be read at all.
fn rejected(data: &[u8], name: &str) -> String {
    read_bytes(data, name, &mut Reader::default(), &mut Collect::default())
        .unwrap_err()
        .to_string()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

const ZEEK_HEADER: &str =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n";

#[test]
fn zeek_tsv_columns_come_from_the_fields_line() {
    // An older log: no ip_proto, no local_resp, columns in another order.
    let log = format!(
        "{ZEEK_HEADER}#fields\tuid\tts\tid.resp_h\tid.orig_h\tid.resp_p\tproto\torig_bytes\tresp_bytes\n\
         C1\t1795651200.5\t203.0.113.9\t10.0.0.5\t443\ttcp\t100\t2000\n\
         C2\t1795651201.0\t2001:db8::1\t10.0.0.6\t53\tudp\t-\t-\n\
         C3\tnot-a-time\t203.0.113.9\t10.0.0.5\t443\ttcp\t1\t1\n\
         C4\t1795651202.0\t203.0.113.9\t10.0.0.500\t443\ttcp\t1\t1\n\
         #close\t2026-11-27-00-00-00\n"
    );
    let mut reader = Reader::default();
    let (format, sink) = read(log.as_bytes(), &mut reader);
    assert_eq!(format, Format::ZeekTsv);
    assert_eq!(sink.flows.len(), 2);
    let first = sink.flows[0];
    assert_eq!((first.src, first.dst), (ip("10.0.0.5"), ip("203.0.113.9")));
    assert_eq!((first.dst_port, first.proto, first.bytes), (443, 6, 2100));
    assert!((first.start - 1_795_651_200.5).abs() < 1e-6);
    assert_eq!(sink.flows[1].bytes, 0, "unset byte counts are zero");
    assert_eq!(sink.flows[1].dst, ip("2001:db8::1"));
    assert_eq!(reader.problems.count, 2);
    let places: Vec<String> = reader
        .problems
        .first
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        places[0].starts_with("test.log: line 9: ts: expected seconds since 1970"),
        "{places:?}"
    );
    assert!(
        places[1].contains("line 10: id.orig_h: expected an IP address, found \"10.0.0.500\""),
        "{places:?}"
    );
}

#[test]
fn zeek_logs_read_the_same_gzipped() {
    let log = format!(
        "{ZEEK_HEADER}#fields\tts\tid.orig_h\tid.resp_h\tid.resp_p\tproto\torig_bytes\tresp_bytes\torig_l2_addr\n\
         1795651200\t10.0.0.5\t198.51.100.7\t8883\ttcp\t10\t20\t60:60:1f:aa:bb:cc\n"
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(log.as_bytes()).unwrap();
    let packed = gz.finish().unwrap();
    let (_, plain) = read(log.as_bytes(), &mut Reader::default());
    let (format, unpacked) = read(&packed, &mut Reader::default());
    assert_eq!(format, Format::ZeekTsv);
    assert_eq!(plain.flows, unpacked.flows);
    assert_eq!(unpacked.flows[0].src_mac, Mac::parse("60:60:1f:aa:bb:cc"));
}

#[test]
fn zeek_json_takes_epoch_and_iso_times_and_dhcp_records() {
    let log = concat!(
        r#"{"ts":1795651200.25,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":5000,"id.resp_h":"198.51.100.7","id.resp_p":443,"proto":"tcp","orig_bytes":7,"resp_bytes":8}"#,
        "\n",
        r#"{"ts":"2026-11-26T00:00:01.5Z","id.orig_h":"10.0.0.6","id.resp_h":"198.51.100.8","proto":"udp"}"#,
        "\n\n",
        r#"{"ts":1795651300.0,"mac":"44:19:B6:77:88:99","host_name":"lobby-cam","assigned_addr":"10.0.3.41"}"#,
        "\n",
        r#"{"ts":1795651300.0,"id.orig_h":"10.0.0.6""#,
        "\n",
        r#"{"ts":1795651300.0,"note":"neither"}"#,
        "\n",
    );
    let mut reader = Reader::default();
    let (format, sink) = read(log.as_bytes(), &mut reader);
    assert_eq!(format, Format::JsonLines);
    assert_eq!(sink.flows.len(), 2);
    assert_eq!(sink.flows[0].bytes, 15);
    assert!((sink.flows[1].start - 1_795_651_201.5).abs() < 1e-6);
    assert_eq!(sink.sightings.len(), 1);
    assert_eq!(sink.sightings[0].mac.to_string(), "44:19:b6:77:88:99");
    assert_eq!(sink.sightings[0].hostname.as_deref(), Some("lobby-cam"));
    assert_eq!(reader.problems.count, 2);
    assert!(
        reader.problems.first[0].place.starts_with("line 5, column"),
        "{:?}",
        reader.problems
    );
    assert_eq!(reader.problems.first[1].place, "line 6");
}

/// A NetFlow v5 packet with the given records (src, dst, dst port, bytes).
fn v5_packet(records: &[([u8; 4], [u8; 4], u16, u32)]) -> Vec<u8> {
    let mut packet = Vec::new();
    packet.extend(5u16.to_be_bytes());
    packet.extend((records.len() as u16).to_be_bytes());
    packet.extend(10_000u32.to_be_bytes()); // uptime, ms
    packet.extend(1_795_651_200u32.to_be_bytes()); // export time
    packet.extend(0u32.to_be_bytes());
    packet.extend(1u32.to_be_bytes()); // sequence
    packet.extend([0, 0, 0, 0]);
    for (src, dst, port, bytes) in records {
        let mut record = [0u8; 48];
        record[0..4].copy_from_slice(src);
        record[4..8].copy_from_slice(dst);
        record[20..24].copy_from_slice(&bytes.to_be_bytes());
        record[24..28].copy_from_slice(&8_000u32.to_be_bytes()); // first, ms of uptime
        record[34..36].copy_from_slice(&port.to_be_bytes());
        record[38] = 6;
        packet.extend(record);
    }
    packet
}

#[test]
fn netflow_v5_records_and_their_start_times() {
    let packet = v5_packet(&[
        ([10, 0, 0, 5], [198, 51, 100, 7], 443, 1500),
        ([10, 0, 0, 6], [10, 0, 0, 1], 53, 80),
    ]);
    let (format, sink) = read(&packet, &mut Reader::default());
    assert_eq!(format, Format::ExportPacket);
    assert_eq!(sink.flows.len(), 2);
    let flow = sink.flows[0];
    assert_eq!(
        (flow.src, flow.dst, flow.dst_port, flow.bytes, flow.proto),
        (ip("10.0.0.5"), ip("198.51.100.7"), 443, 1500, 6)
    );
    assert!(
        (flow.start - (1_795_651_200.0 - 2.0)).abs() < 1e-6,
        "started 2 s before export"
    );

    let mut reader = Reader::default();
    let mut sink = Collect::default();
    read_bytes(
        &packet[..packet.len() - 10],
        "short.dat",
        &mut reader,
        &mut sink,
    )
    .unwrap();
    assert!(sink.flows.is_empty());
    assert_eq!(reader.problems.count, 1);
    assert_eq!(
        reader.problems.first[0].to_string(),
        "short.dat: packet 1: the header says 2 records (120 bytes), the packet has 110 bytes"
    );
}

/// A NetFlow v9 packet of flowsets.
fn v9_packet(flowsets: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut packet = Vec::new();
    packet.extend(9u16.to_be_bytes());
    packet.extend((flowsets.len() as u16).to_be_bytes());
    packet.extend(60_000u32.to_be_bytes());
    packet.extend(1_795_651_200u32.to_be_bytes());
    packet.extend(7u32.to_be_bytes());
    packet.extend(42u32.to_be_bytes()); // source id
    for (id, body) in flowsets {
        packet.extend(id.to_be_bytes());
        packet.extend(((body.len() + 4) as u16).to_be_bytes());
        packet.extend(body);
    }
    packet
}

fn fields(list: &[(u16, u16)]) -> Vec<u8> {
    list.iter()
        .flat_map(|(element, length)| [element.to_be_bytes(), length.to_be_bytes()].concat())
        .collect()
}

#[test]
fn netflow_v9_data_before_its_template_waits_for_it() {
    // Template 300: IPv6 src and dst, dst port, protocol, bytes (4), src MAC, FIRST_SWITCHED.
    let mut template = 300u16.to_be_bytes().to_vec();
    template.extend(7u16.to_be_bytes());
    template.extend(fields(&[
        (27, 16),
        (28, 16),
        (11, 2),
        (4, 1),
        (1, 4),
        (56, 6),
        (22, 4),
    ]));
    let mut record = Vec::new();
    record.extend(
        ip("2001:db8::5")
            .to_string()
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    record.extend(
        "2400:cb00::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    record.extend(443u16.to_be_bytes());
    record.push(6);
    record.extend(9_000u32.to_be_bytes());
    record.extend([0x60, 0x60, 0x1f, 1, 2, 3]);
    record.extend(59_000u32.to_be_bytes());
    let mut data = record.clone();
    data.extend(record);
    data.extend([0, 0]); // padding

    let mut reader = Reader::default();
    let mut sink = Collect::default();
    read_bytes(
        &v9_packet(&[(300, data)]),
        "data.dat",
        &mut reader,
        &mut sink,
    )
    .unwrap();
    assert!(sink.flows.is_empty(), "no template yet");
    read_bytes(
        &v9_packet(&[(0, template)]),
        "tpl.dat",
        &mut reader,
        &mut sink,
    )
    .unwrap();
    assert_eq!(reader.finish(&mut sink), 2);
    assert_eq!(sink.flows.len(), 2);
    let flow = sink.flows[0];
    assert_eq!(flow.dst, ip("2400:cb00::1"));
    assert_eq!((flow.dst_port, flow.proto, flow.bytes), (443, 6, 9_000));
    assert_eq!(
        flow.src_mac.map(|m| m.to_string()).as_deref(),
        Some("60:60:1f:01:02:03")
    );
    assert!((flow.start - (1_795_651_200.0 - 1.0)).abs() < 1e-6);
    assert!(reader.notes.is_empty(), "{:?}", reader.notes);

    // Data whose template never comes is a note, not a silent loss.
    let mut lonely = Reader::default();
    read_bytes(
        &v9_packet(&[(301, vec![0; 8])]),
        "lonely.dat",
        &mut lonely,
        &mut Collect::default(),
    )
    .unwrap();
    lonely.finish(&mut Collect::default());
    assert_eq!(lonely.notes.len(), 1);
    assert!(
        lonely.notes[0].contains("lonely.dat: packet 1, set 1: data for template 301"),
        "{:?}",
        lonely.notes
    );
}

#[test]
fn ipfix_enterprise_and_variable_length_fields() {
    // Template 400: src v4, dst v4, an enterprise field (PEN 2011, 4 bytes),
    // a variable-length string, octetDeltaCount (8), flowStartMilliseconds.
    let mut template = Vec::new();
    template.extend(400u16.to_be_bytes());
    template.extend(6u16.to_be_bytes());
    template.extend(fields(&[(8, 4), (12, 4)]));
    template.extend((0x8000u16 | 100).to_be_bytes());
    template.extend(4u16.to_be_bytes());
    template.extend(2011u32.to_be_bytes());
    template.extend(fields(&[(82, 65535), (1, 8), (152, 8)]));
    let mut record = vec![10, 0, 0, 5, 198, 51, 100, 7];
    record.extend([9, 9, 9, 9]);
    record.push(4);
    record.extend(b"eth0");
    record.extend(123_456u64.to_be_bytes());
    record.extend(1_795_651_200_250u64.to_be_bytes());
    let set = |id: u16, body: &[u8]| {
        let mut set = id.to_be_bytes().to_vec();
        set.extend(((body.len() + 4) as u16).to_be_bytes());
        set.extend(body);
        set
    };
    let mut sets = set(2, &template);
    sets.extend(set(400, &record));
    let mut message = 10u16.to_be_bytes().to_vec();
    message.extend(((sets.len() + 16) as u16).to_be_bytes());
    message.extend(1_795_651_300u32.to_be_bytes());
    message.extend(1u32.to_be_bytes());
    message.extend(5u32.to_be_bytes());
    message.extend(sets);
    // Two messages in one file, read one after the other.
    let mut file = message.clone();
    file.extend(&message);
    let (format, sink) = read(&file, &mut Reader::default());
    assert_eq!(format, Format::ExportPacket);
    assert_eq!(sink.flows.len(), 2);
    let flow = sink.flows[0];
    assert_eq!(
        (flow.src, flow.dst, flow.bytes),
        (ip("10.0.0.5"), ip("198.51.100.7"), 123_456)
    );
    assert!((flow.start - 1_795_651_200.25).abs() < 1e-6);
}

/// A classic little-endian pcap of Ethernet frames carrying UDP payloads.
fn pcap(payloads: &[&[u8]]) -> Vec<u8> {
    let mut file = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    file.extend([0; 8]);
    file.extend(65_535u32.to_le_bytes());
    file.extend(1u32.to_le_bytes()); // Ethernet
    for payload in payloads {
        let mut frame = vec![0u8; 12];
        frame.extend([0x81, 0x00, 0, 5, 0x08, 0x00]); // one VLAN tag, then IPv4
        let total = 20 + 8 + payload.len();
        frame.extend([
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ]);
        frame.extend([192, 0, 2, 1, 192, 0, 2, 2]);
        frame.extend([0x08, 0x00, 0x08, 0x07]);
        frame.extend(((8 + payload.len()) as u16).to_be_bytes());
        frame.extend([0, 0]);
        frame.extend(*payload);
        file.extend(1_795_651_200u32.to_le_bytes());
        file.extend(0u32.to_le_bytes());
        file.extend((frame.len() as u32).to_le_bytes());
        file.extend((frame.len() as u32).to_le_bytes());
        file.extend(frame);
    }
    file
}

#[test]
fn pcap_of_an_exporter_is_read_packet_by_packet() {
    let first = v5_packet(&[([10, 0, 0, 5], [198, 51, 100, 7], 443, 1)]);
    let second = v5_packet(&[([10, 0, 0, 6], [198, 51, 100, 8], 80, 2)]);
    let (format, sink) = read(&pcap(&[&first, &second]), &mut Reader::default());
    assert_eq!(format, Format::Pcap);
    assert_eq!(
        sink.flows.iter().map(|f| f.bytes).collect::<Vec<_>>(),
        vec![1, 2]
    );

    let mut truncated = pcap(&[&first]);
    truncated.truncate(truncated.len() - 5);
    let error = rejected(&truncated, "cut.pcap");
    assert_eq!(
        error,
        "cut.pcap: packet 1: says 118 bytes, the file ends first"
    );

    let pcapng = [
        0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x1c,
    ];
    let error = rejected(&pcapng, "x.pcapng");
    assert!(
        error.contains("pcapng is not read; convert it with `editcap -F pcap IN OUT`"),
        "{error}"
    );
}

#[test]
fn firewall_csv_with_usual_names_or_a_mapping() {
    let usual = "Receive Time,Source address,Destination address,Destination Port,IP Protocol,Bytes Sent,Bytes Received\n\
                 2026/11/26 09:00:00,10.0.0.5,198.51.100.7,443,tcp,100,900\n\
                 2026/11/26 09:00:01,10.0.0.5,nowhere,443,tcp,1,1\n";
    let mut reader = Reader::default();
    let (format, sink) = read(usual.as_bytes(), &mut reader);
    assert_eq!(format, Format::FirewallCsv);
    assert_eq!(sink.flows.len(), 1);
    assert_eq!(
        (
            sink.flows[0].bytes,
            sink.flows[0].dst_port,
            sink.flows[0].proto
        ),
        (1000, 443, 6)
    );
    assert!((sink.flows[0].start - 1_795_683_600.0).abs() < 1e-6);
    assert_eq!(
        reader.problems.first[0].to_string(),
        "test.log: line 3: Destination address: expected an IP address, found \"nowhere\""
    );

    let odd = "when,from_host,to_host,octets_out\n1795651200,10.0.0.5,198.51.100.7,77\n";
    let error = rejected(odd.as_bytes(), "fw.csv");
    assert!(error.starts_with("fw.csv: line 1: no source and destination address columns among when, from_host, to_host, octets_out"), "{error}");
    let mut mapped = Reader {
        columns: shinsa_net::ColumnMap::parse(
            "src=from_host,dst=to_host,time=when,bytes=octets_out",
        )
        .unwrap(),
        ..Reader::default()
    };
    let (_, sink) = read(odd.as_bytes(), &mut mapped);
    assert_eq!(
        (sink.flows[0].src, sink.flows[0].bytes),
        (ip("10.0.0.5"), 77)
    );
    assert!(
        shinsa_net::ColumnMap::parse("source=x")
            .unwrap_err()
            .contains("found \"source\"")
    );
}

#[test]
fn lease_and_neighbour_tables() {
    let tables = "1795737600 60:60:1f:3a:4b:5c 10.0.3.40 mavic3 01:60:60:1f:3a:4b:5c\n\
                  ? (10.0.3.41) at 44:19:b6:77:88:99 [ether] on eth0\n\
                  10.0.3.42 dev eth0 lladdr da:a1:19:0b:0c:0d STALE\n\
                  ? (10.0.3.43) at <incomplete> on eth0\n";
    let mut reader = Reader::default();
    let (format, sink) = read(tables.as_bytes(), &mut reader);
    assert_eq!(format, Format::LeaseTable);
    assert_eq!(sink.sightings.len(), 3);
    assert_eq!(sink.sightings[0].hostname.as_deref(), Some("mavic3"));
    assert_eq!(sink.sightings[1].ip, Some(ip("10.0.3.41")));
    assert!(sink.sightings[2].mac.is_locally_administered());
    assert_eq!(
        reader.problems.first[0].to_string(),
        "test.log: line 4: 10.0.3.43: no MAC address (an incomplete entry?)"
    );

    let isc = "# The format of this file is documented in the dhcpd.leases(5) manual page.\n\
               lease 10.0.3.50 {\n  starts 3 2026/11/25 08:00:00;\n  hardware ethernet 00:40:8c:12:34:56;\n  client-hostname \"axis-gate\";\n}\n";
    let (_, sink) = read(isc.as_bytes(), &mut Reader::default());
    assert_eq!(sink.sightings.len(), 1);
    assert_eq!(sink.sightings[0].hostname.as_deref(), Some("axis-gate"));
    assert!((sink.sightings[0].time - 1_795_593_600.0).abs() < 1e-6);
}

#[test]
fn mac_addresses_in_every_spelling() {
    let expected = Some(Mac([0x00, 0x18, 0x82, 0xaa, 0xbb, 0x01]));
    for text in [
        "00:18:82:aa:bb:01",
        "00-18-82-AA-BB-01",
        "0018.82aa.bb01",
        "001882AABB01",
    ] {
        assert_eq!(Mac::parse(text), expected, "{text}");
    }
    assert_eq!(Mac::parse("00:18:82:aa:bb"), None);
    assert_eq!(Mac::parse("00:18:82:aa:bb:01:02"), None);
    assert!(
        Mac::parse("da:a1:19:0b:0c:0d")
            .unwrap()
            .is_locally_administered()
    );
    assert!(
        !Mac::parse("01:00:5e:00:00:01")
            .unwrap()
            .is_vendor_assigned()
    );
    assert!(
        Mac::parse("60:60:1f:3a:4b:5c")
            .unwrap()
            .is_vendor_assigned()
    );
}

#[test]
fn files_that_are_not_logs_are_skipped_saying_what_they_start_with() {
    assert_eq!(
        rejected(&[0xff, 0x00, 0x12, 0x34], "blob.bin"),
        "blob.bin: skipped: not a log shinsa reads (Zeek TSV or JSON, NetFlow/IPFIX packet or pcap, firewall CSV, lease or ARP table): starts with bytes ff 00 12 34"
    );
    assert_eq!(
        rejected(b"", "empty.log"),
        "empty.log: skipped: the file is empty"
    );
    // A Zeek conn-summary report is text, but no lease table either; its
    // lines are not counted as malformed records.
    let report = b">== Total === 2026-11-26-00-00-00 - 2026-11-27-00-00-00\n   - Bytes 4.2k - # Connections 16\n        27.133.130.10  0.2k\n";
    let mut reader = shinsa_net::Reader::default();
    let mut sink = Collect::default();
    let error =
        shinsa_net::read_bytes(report, "conn-summary.txt", &mut reader, &mut sink).unwrap_err();
    assert!(
        matches!(error, shinsa_net::ReadError::NotALog { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("it starts \">== Total ==="),
        "{error}"
    );
    assert_eq!(reader.problems.count, 0);
}
