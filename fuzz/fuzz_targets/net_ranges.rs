//! Range files for IP lookups (ip-location-db CSVs, tor geoip), then a
//! lookup of a few addresses in whatever table they made.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((table, _)) = shinsa_net::parse_ranges(data, "fuzz.csv") {
        for ip in ["1.2.3.4", "255.255.255.255", "0.0.0.0", "2001:db8::1", "::ffff:1.2.3.4"] {
            let _ = table.get(ip.parse().unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])));
        }
    }
});
