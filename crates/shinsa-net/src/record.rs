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
    pub dst_port: u16,
    /// IP protocol number (6 TCP, 17 UDP), 0 when the log does not say.
    pub proto: u8,
    /// Bytes both ways where the log has both, else the bytes it has.
    pub bytes: u64,
    pub src_mac: Option<Mac>,
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
