//! What the readers produce: flows and device sightings, and the records
//! they could not read.

use std::fmt;
use std::net::IpAddr;

/// A MAC address (EUI-48).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// Reads `aa:bb:cc:dd:ee:ff`, `aa-bb-…`, `aabb.ccdd.eeff` (Cisco) or
    /// twelve hex digits, in either case.
    pub fn parse(text: &str) -> Option<Mac> {
        let mut bytes = [0u8; 6];
        let mut count = 0;
        let mut high: Option<u8> = None;
        for c in text.trim().chars() {
            if matches!(c, ':' | '-' | '.') {
                continue;
            }
            let digit = u8::try_from(c.to_digit(16)?).ok()?;
            match high.take() {
                None => high = Some(digit),
                Some(h) => {
                    *bytes.get_mut(count)? = h << 4 | digit;
                    count += 1;
                }
            }
        }
        (count == 6 && high.is_none()).then_some(Mac(bytes))
    }

    /// Set by the owner, not assigned by the IEEE: phones and operating
    /// systems randomise these, so they say nothing about the vendor.
    pub fn is_locally_administered(self) -> bool {
        self.0[0] & 0x02 != 0
    }

    pub fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// Neither randomised nor a group address: its OUI names a vendor.
    pub fn is_vendor_assigned(self) -> bool {
        !self.is_locally_administered() && !self.is_multicast() && self.0 != [0; 6]
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// One flow (or connection), as much as the log says of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flow {
    /// Start, seconds since the Unix epoch (UTC).
    pub start: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// 0 when the log does not say (and for ICMP).
    pub src_port: u16,
    pub dst_port: u16,
    /// IP protocol number (6 TCP, 17 UDP), 0 when the log does not say.
    pub proto: u8,
    /// Bytes both ways where the log has both, else the bytes it has.
    pub bytes: u64,
    /// Bytes the destination sent, where the log counts them apart
    /// (Zeek `resp_bytes`, IPFIX responder octets).
    pub dst_bytes: Option<u64>,
    pub src_mac: Option<Mac>,
    /// Who opened the exchange, where the log says.
    pub opener: Opener,
    pub exchange: Exchange,
    /// Whether each side is inside the monitored network, as the sensor
    /// says (Zeek `local_orig`, `local_resp`).
    pub src_local: Option<bool>,
    pub dst_local: Option<bool>,
}

impl Flow {
    /// A flow of which only the time and addresses are known yet.
    pub fn new(start: f64, src: IpAddr, dst: IpAddr) -> Flow {
        Flow {
            start,
            src,
            dst,
            src_port: 0,
            dst_port: 0,
            proto: 0,
            bytes: 0,
            dst_bytes: None,
            src_mac: None,
            opener: Opener::Unknown,
            exchange: Exchange::Unknown,
            src_local: None,
            dst_local: None,
        }
    }
}

/// Who opened a flow, as far as its record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Opener {
    /// The log does not say (NetFlow v5, a firewall CSV): the ports decide.
    #[default]
    Unknown,
    /// The source (Zeek's originator; an IPFIX biflow's initiator).
    Source,
    /// The destination: this record is the answer to it.
    Destination,
}

/// How an exchange went, as far as its record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Exchange {
    #[default]
    Unknown,
    /// A handshake completed, or both sides sent data.
    Established,
    /// Never answered: Zeek S0/SH/SHR, OTH without payload, a SYN alone.
    Unanswered,
    /// Refused or reset before anything was said: REJ, RSTOS0, RSTRH, a
    /// reset without a SYN.
    Refused,
}

impl Exchange {
    /// From Zeek's `conn_state`.
    pub fn from_zeek_state(state: &[u8], payload: u64) -> Exchange {
        match state {
            b"SF" | b"S1" | b"S2" | b"S3" | b"RSTO" | b"RSTR" => Exchange::Established,
            b"S0" | b"SH" | b"SHR" => Exchange::Unanswered,
            b"REJ" | b"RSTOS0" | b"RSTRH" => Exchange::Refused,
            b"OTH" if payload > 0 => Exchange::Established,
            b"OTH" => Exchange::Unanswered,
            _ => Exchange::Unknown,
        }
    }

    /// From the TCP flags a NetFlow/IPFIX record ORs over its packets.
    pub fn from_tcp_flags(flags: u8) -> Exchange {
        const SYN: u8 = 0x02;
        const RST: u8 = 0x04;
        const ACK: u8 = 0x10;
        if flags & RST != 0 && flags & SYN == 0 && flags & !(RST | ACK) == 0 {
            Exchange::Refused
        } else if flags & SYN != 0 && flags & ACK == 0 {
            Exchange::Unanswered
        } else if flags & ACK != 0 {
            Exchange::Established
        } else {
            Exchange::Unknown
        }
    }
}

/// A device seen by its MAC address: a DHCP lease, an ARP entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    pub time: f64,
    pub mac: Mac,
    pub ip: Option<IpAddr>,
    pub hostname: Option<String>,
}

/// A record that could not be read, and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// `line 12`, `packet 3`, `packet 3, flowset 2`.
    pub place: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.place, self.reason)
    }
}

/// Records that could not be read: all counted, the first few kept whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    pub count: u64,
    pub first: Vec<Problem>,
}

impl Problems {
    /// How many problems are kept whole; the rest are counted.
    pub const KEPT: usize = 20;

    pub fn push(&mut self, file: &str, place: String, reason: String) {
        self.count += 1;
        if self.first.len() < Self::KEPT {
            self.first.push(Problem {
                file: file.to_owned(),
                place,
                reason,
            });
        }
    }
}
