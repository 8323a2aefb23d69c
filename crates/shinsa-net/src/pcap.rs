//! Classic pcap files of exporter traffic: each UDP payload is an export
//! packet, and its source address names the exporter for the template
//! cache. Ethernet (with VLAN tags), Linux cooked (SLL, SLL2) and raw IP
//! link types; pcapng is refused with the way to convert it.

/// A UDP payload and the address that sent it.
pub(crate) struct Datagram<'a> {
    pub number: usize,
    pub source: String,
    pub payload: &'a [u8],
}

const MAGIC_MICRO: [u8; 4] = [0xa1, 0xb2, 0xc3, 0xd4];
const MAGIC_NANO: [u8; 4] = [0xa1, 0xb2, 0x3c, 0x4d];
const MAGIC_NG: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Whether the bytes start like a pcap (or pcapng) file.
pub(crate) fn is_capture(data: &[u8]) -> bool {
    let Some(head) = data.get(..4) else {
        return false;
    };
    let reversed = [head[3], head[2], head[1], head[0]];
    [MAGIC_MICRO, MAGIC_NANO, MAGIC_NG]
        .iter()
        .any(|magic| head == magic.as_slice() || reversed == *magic)
}

/// The UDP datagrams of a capture; packets that are not UDP over IP are
/// skipped and counted, a broken file is an error with the packet number.
pub(crate) fn datagrams(data: &[u8]) -> Result<(Vec<Datagram<'_>>, usize), String> {
    let head = data.get(..24).ok_or("a pcap file needs a 24-byte header")?;
    let magic = [head[0], head[1], head[2], head[3]];
    if magic == MAGIC_NG {
        return Err("pcapng is not read; convert it with `editcap -F pcap IN OUT`".to_owned());
    }
    let big = magic == MAGIC_MICRO || magic == MAGIC_NANO;
    let word = |bytes: &[u8]| -> u32 {
        let array = [bytes[0], bytes[1], bytes[2], bytes[3]];
        if big {
            u32::from_be_bytes(array)
        } else {
            u32::from_le_bytes(array)
        }
    };
    let link = word(&head[20..24]);
    let mut found = Vec::new();
    let mut skipped = 0;
    let mut at = 24;
    let mut number = 0;
    while at < data.len() {
        number += 1;
        let record = data
            .get(at..at + 16)
            .ok_or_else(|| format!("packet {number}: truncated record header"))?;
        let length = usize::try_from(word(&record[8..12])).unwrap_or(usize::MAX);
        let frame = data
            .get(at + 16..at.saturating_add(16).saturating_add(length))
            .ok_or_else(|| format!("packet {number}: says {length} bytes, the file ends first"))?;
        at += 16 + length;
        match udp_payload(frame, link) {
            Some((source, payload)) => found.push(Datagram {
                number,
                source,
                payload,
            }),
            None => skipped += 1,
        }
    }
    Ok((found, skipped))
}

/// The IP packet inside a frame of this link type.
fn ip_packet(frame: &[u8], link: u32) -> Option<&[u8]> {
    match link {
        1 => {
            let mut at = 12;
            let mut ethertype = u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]);
            while ethertype == 0x8100 || ethertype == 0x88a8 {
                at += 4;
                ethertype = u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]);
            }
            frame.get(at + 2..)
        }
        113 => frame.get(16..),
        276 => frame.get(20..),
        12 | 14 | 101 => Some(frame),
        _ => None,
    }
}

fn udp_payload(frame: &[u8], link: u32) -> Option<(String, &[u8])> {
    let packet = ip_packet(frame, link)?;
    let version = packet.first()? >> 4;
    let (source, udp) = match version {
        4 => {
            let header = usize::from(packet.first()? & 0x0f) * 4;
            let fragment = u16::from_be_bytes([*packet.get(6)?, *packet.get(7)?]);
            if *packet.get(9)? != 17 || fragment & 0x3fff != 0 {
                return None;
            }
            let s = packet.get(12..16)?;
            (
                std::net::Ipv4Addr::new(s[0], s[1], s[2], s[3]).to_string(),
                packet.get(header..)?,
            )
        }
        6 => {
            if *packet.get(6)? != 17 {
                return None;
            }
            let s: [u8; 16] = packet.get(8..24)?.try_into().ok()?;
            (std::net::Ipv6Addr::from(s).to_string(), packet.get(40..)?)
        }
        _ => return None,
    };
    let length = usize::from(u16::from_be_bytes([*udp.get(4)?, *udp.get(5)?]));
    let payload = udp.get(8..length.max(8)).or_else(|| udp.get(8..))?;
    Some((source, payload))
}
