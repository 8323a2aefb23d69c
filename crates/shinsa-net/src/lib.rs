//! Network evidence: what an operator's network really runs and where its
//! data really goes, beside what its register says.
//!
//! Readers turn the logs operators have (Zeek `conn.log`/`dhcp.log` in TSV
//! or JSON, plain or gzip; NetFlow v5, v9 and IPFIX packets as captured
//! payloads or pcap; firewall CSV exports; DHCP lease and ARP tables) into
//! [`Flow`]s and [`Sighting`]s. Lookups answer where an address is (range
//! CSVs in the ip-location-db and tor layouts, or MaxMind `.mmdb`), which
//! network and provider runs it (an ASN dataset and the shipped provider
//! table) and which company a MAC address was assigned to (IEEE registry).
//! [`Evidence`] sums flows per source × destination country × provider with
//! constant memory per record and ties sources and devices to register
//! assets; the result is [`shinsa_model::Observed`], which the resolver and
//! the policy pack decide on like any declared item.
//!
//! Every malformed record is counted with its place ([`Problems`]), never
//! silently dropped.

mod evidence;
mod lookup;
mod netflow;
mod parallel;
mod pcap;
mod read;
mod record;
mod tables;
mod zeek;

pub use evidence::{Evidence, InboundSource, Locality, Summary, is_public};
pub use lookup::{
    Destination, Located, LookupError, Lookups, Provider, RangeTable, RangeValue, VendorTable,
    parse_ranges, providers,
};
pub use netflow::Templates;
pub use parallel::{PARALLEL_FROM, read_file_parallel};
pub use read::{Format, ReadError, Reader, Sink, read_bytes, read_file};
pub use record::{Exchange, Flow, Mac, Opener, Problem, Problems, Sighting};
pub use tables::ColumnMap;
