//! Which IP addresses are public: the non-public IPv4 and IPv6 ranges, and IPv6 addresses embedding an IPv4
//! one judged by it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Tells whether `ip` may be connected to without being on the allow list: false for every address that
/// is not globally routable (loopback, private, link-local, CGNAT, documentation, multicast, reserved…),
/// so that we never reach, on behalf of a remote actor, something only this machine or its network can.
///
/// std's `IpAddr::is_global` is unstable, hence this version. IPv6 addresses embedding an IPv4 one
/// (IPv4-mapped, IPv4-compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 ranges that are not public: (network, prefix length).
const NON_PUBLIC_V4: &[(u32, u32)] = &[
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network", includes unspecified
    (0x0a00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 carrier-grade NAT
    (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
    (0xa9fe_0000, 16), // 169.254.0.0/16 link-local (cloud metadata lives here)
    (0xac10_0000, 12), // 172.16.0.0/12 private
    (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
    (0xc000_0200, 24), // 192.0.2.0/24 documentation (TEST-NET-1)
    (0xc0a8_0000, 16), // 192.168.0.0/16 private
    (0xc612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xc633_6400, 24), // 198.51.100.0/24 documentation (TEST-NET-2)
    (0xcb00_7100, 24), // 203.0.113.0/24 documentation (TEST-NET-3)
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved, includes broadcast 255.255.255.255
];

/// IPv6 ranges that are not public: (network, prefix length).
const NON_PUBLIC_V6: &[(u128, u32)] = &[
    (0, 128),                          // :: unspecified
    (1, 128),                          // ::1 loopback
    (0x0064_ff9b_0001_u128 << 80, 48), // 64:ff9b:1::/48 local-use NAT64
    (0x0100_u128 << 112, 64),          // 100::/64 discard-only
    (0x2001_0000_u128 << 96, 32),      // 2001::/32 Teredo tunnels
    (0x2001_0db8_u128 << 96, 32),      // 2001:db8::/32 documentation
    (0x3fff_u128 << 112, 20),          // 3fff::/20 documentation
    (0xfc00_u128 << 112, 7),           // fc00::/7 unique local
    (0xfe80_u128 << 112, 10),          // fe80::/10 link-local
    (0xfec0_u128 << 112, 10),          // fec0::/10 site-local (deprecated)
    (0xff00_u128 << 112, 8),           // ff00::/8 multicast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !NON_PUBLIC_V4.iter().any(|&(net, len)| {
        let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
        bits & mask == net & mask
    })
}

fn in_v6_prefix(bits: u128, net: u128, len: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    bits & mask == net & mask
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    if NON_PUBLIC_V6
        .iter()
        .any(|&(net, len)| in_v6_prefix(bits, net, len))
    {
        return false;
    }
    let o = ip.octets();
    let last_v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    // ::ffff:0:0/96 IPv4-mapped, ::/96 IPv4-compatible (:: and ::1 are handled above),
    // ::ffff:0:0:0/96 IPv4-translated, 64:ff9b::/96 NAT64: the last 32 bits are an IPv4 address.
    if in_v6_prefix(bits, 0x0000_ffff_u128 << 32, 96)
        || in_v6_prefix(bits, 0, 96)
        || in_v6_prefix(bits, 0xffff_0000_u128 << 32, 96)
        || in_v6_prefix(bits, 0x0064_ff9b_u128 << 96, 96)
    {
        return is_public_v4(last_v4);
    }
    // 2002::/16 6to4: bits 16..48 are an IPv4 address.
    if in_v6_prefix(bits, 0x2002_u128 << 112, 16) {
        return is_public_v4(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    true
}
