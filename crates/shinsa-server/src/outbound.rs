//! Where the server may send a request of its own: webhook targets.
//!
//! A webhook URL is chosen by an organisation's administrator, and the
//! server is run by a ministry inside its own network: a URL pointing at
//! `127.0.0.1`, `169.254.169.254` (a cloud's metadata service) or
//! `10.0.0.1` would make the server a way into that network. So a target
//! must be a public address: checked when the URL is set (its literal
//! address, or every address its name resolves to), and again at each
//! delivery on the very addresses the connection uses (a name that
//! resolved to a public address yesterday may resolve to a private one
//! today), and redirects are not followed. Hosts the server's
//! administrator names in `webhook_allow_hosts` are exempt (a receiver on
//! the ministry's own network, a test).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Why a target is refused, in words for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Whether `address` is reachable from the public Internet: not loopback,
/// private, shared (carrier NAT), link-local, unique-local, multicast,
/// unspecified, documentation, benchmarking or reserved, nor an IPv6 form
/// of such an IPv4 address.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, c, _] = address.octets();
    !(a == 0                                  // "this network"
        || a == 10                            // RFC 1918
        || a == 127                           // loopback
        || (a == 100 && (64..128).contains(&b)) // RFC 6598 shared
        || (a == 169 && b == 254)             // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // RFC 1918
        || (a == 192 && b == 0 && c == 0)     // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)     // TEST-NET-1
        || (a == 192 && b == 168)             // RFC 1918
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100)  // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)   // TEST-NET-3
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let segments = address.segments();
    // Forms that carry an IPv4 address: mapped, NAT64, 6to4.
    if let Some(v4) = address.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    if segments[0] == 0x2002 {
        let [a, b] = segments[1].to_be_bytes();
        let [c, d] = segments[2].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(address.is_unspecified()
        || address.is_loopback()
        || address.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique-local
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
}

/// What a webhook URL points at, as far as can be told without DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A host the administrator allows.
    Allowed,
    /// A literal address.
    Address(IpAddr),
    /// A name to resolve, and the port.
    Name(String, u16),
}

/// Reads a webhook URL: http or https, a host, no credentials in it.
pub fn webhook_target(url: &str, allowed_hosts: &[String]) -> Result<Target, Refused> {
    let parsed =
        url::Url::parse(url).map_err(|error| Refused(format!("not a URL ({error}): {url}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refused(format!(
            "a webhook is posted over http or https, not {}",
            parsed.scheme()
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refused(
            "a webhook URL may not carry credentials; the secret signs each delivery".into(),
        ));
    }
    let Some(host) = parsed.host() else {
        return Err(Refused(format!("a webhook URL needs a host: {url}")));
    };
    if allowed(&host.to_string(), allowed_hosts) {
        return Ok(Target::Allowed);
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    Ok(match host {
        url::Host::Ipv4(v4) => Target::Address(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Target::Address(IpAddr::V6(v6)),
        url::Host::Domain(name) => Target::Name(name.to_owned(), port),
    })
}

/// A webhook URL the server may post to: [`webhook_target`], and a public
/// address (or a host the administrator allows). A name is resolved now,
/// and every address it has must be public.
pub async fn check_webhook_url(url: &str, allowed_hosts: &[String]) -> Result<(), Refused> {
    let (host_text, addresses): (String, Vec<IpAddr>) = match webhook_target(url, allowed_hosts)? {
        Target::Allowed => return Ok(()),
        Target::Address(address) => (address.to_string(), vec![address]),
        Target::Name(name, port) => {
            let lookup = tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::lookup_host((name.as_str(), port)),
            )
            .await
            .map_err(|_| Refused(format!("{name} did not resolve within 5 s")))?
            .map_err(|error| Refused(format!("{name} does not resolve: {error}")))?;
            let addresses = lookup.map(|socket| socket.ip()).collect();
            (name, addresses)
        }
    };
    match addresses.iter().find(|address| !is_public(**address)) {
        Some(private) => Err(Refused(format!(
            "{host_text} is {private}, an address inside a private, loopback, link-local or reserved network; the server posts only to public addresses (an administrator may allow a host with webhook_allow_hosts)"
        ))),
        None if addresses.is_empty() => Err(Refused(format!("{host_text} has no address"))),
        None => Ok(()),
    }
}

fn allowed(host: &str, allowed_hosts: &[String]) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    allowed_hosts.iter().any(|allowed| {
        allowed
            .trim_start_matches('[')
            .trim_end_matches(']')
            .eq_ignore_ascii_case(host)
    })
}

/// An HTTP client for webhook deliveries: it connects only to the public
/// addresses a name resolves to at that moment (the resolver's answer is
/// what the connection uses, so a changed DNS answer cannot slip through),
/// follows no redirect and uses no proxy from the environment.
pub fn webhook_agent(allowed_hosts: &[String], timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        PublicResolver {
            allowed_hosts: allowed_hosts.to_vec(),
        },
    )
}

#[derive(Debug)]
struct PublicResolver {
    allowed_hosts: Vec<String>,
}

impl ureq::unversioned::resolver::Resolver for PublicResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let resolved = ureq::unversioned::resolver::DefaultResolver::default()
            .resolve(uri, config, timeout)?;
        let Some(host) = uri.host() else {
            return Err(ureq::Error::Other(Box::new(Refused(format!(
                "{uri} names no host; not delivered"
            )))));
        };
        if allowed(host, &self.allowed_hosts) {
            return Ok(resolved);
        }
        let mut public = self.empty();
        for address in resolved.iter().filter(|address| is_public(address.ip())) {
            public.push(*address);
        }
        if public.is_empty() {
            let first = resolved.iter().next().map(SocketAddr::ip);
            return Err(ureq::Error::Other(Box::new(Refused(format!(
                "{host} is {}, not a public address; not delivered",
                first.map_or_else(|| "unresolved".to_owned(), |ip| ip.to_string())
            )))));
        }
        Ok(public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_not_public() {
        for address in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "192.0.2.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "64:ff9b::a9fe:a9fe",
            "2002:a00:1::1",
            "2001:db8::1",
        ] {
            let parsed: IpAddr = address.parse().unwrap_or_else(|e| unreachable!("{e}"));
            assert!(!is_public(parsed), "{address}");
        }
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            let parsed: IpAddr = address.parse().unwrap_or_else(|e| unreachable!("{e}"));
            assert!(is_public(parsed), "{address}");
        }
    }

    #[tokio::test]
    async fn webhook_urls_into_private_networks_are_refused() {
        for url in [
            "https://127.0.0.1:8443/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/",
            "https://[::1]/",
            "https://localhost/",
            "https://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "https://[::ffff:169.254.169.254]/",
        ] {
            let refused = check_webhook_url(url, &[]).await;
            assert!(
                matches!(&refused, Err(Refused(why)) if why.contains("public addresses")),
                "{url}: {refused:?}"
            );
        }
        for (url, why) in [
            ("ftp://example.com/", "http or https"),
            ("https://user:pw@8.8.8.8/", "credentials"),
            ("not a url", "not a URL"),
        ] {
            let refused = check_webhook_url(url, &[]).await;
            assert!(
                matches!(&refused, Err(Refused(text)) if text.contains(why)),
                "{url}: {refused:?}"
            );
        }
        assert_eq!(check_webhook_url("https://8.8.8.8/hook", &[]).await, Ok(()));
        let allowed = ["127.0.0.1".to_owned(), "[::1]".to_owned()];
        assert_eq!(
            check_webhook_url("http://127.0.0.1:9000/hook", &allowed).await,
            Ok(())
        );
        assert_eq!(
            check_webhook_url("http://[::1]:9000/", &allowed).await,
            Ok(())
        );
    }
}
