#!/bin/sh
# Records ICMP and ICMPv6 from a real Linux NAT: run as root from the capture's folder (needs ip, nft, ping, dumpcap,
# python3). Three network namespaces: a client, a NAT router (nftables masquerade, IPv4 and IPv6) and a server;
# dumpcap on both of the router's interfaces (one pcapng, two interfaces: each datagram seen inside and outside).
# What it provokes, one second apart (Linux rate-limits ICMP errors, net.ipv4.icmp_ratelimit):
#   ping / ping -6 through the NAT (echo mapped by identifier, RFC 5508 §3.1);
#   a STUN Binding request to a closed port 3478 on the server: Destination/Port Unreachable, translated back to the
#   client with the quoted datagram rewritten (RFC 5508 §4.2);
#   a datagram with TTL / hop limit 1: Time Exceeded from the router;
#   a 1400-byte STUN request with DF over a 1300-byte link: Fragmentation Needed (RFC 1191) / Packet Too Big
#   (RFC 4443 §3.2), quoting as much as fits (576 bytes, 1280 bytes).
set -eu
OUT=${1:-.}
C=rtclab-icmp-cli R=rtclab-icmp-nat S=rtclab-icmp-srv
cleanup() { for n in $C $R $S; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup
for n in $C $R $S; do ip netns add $n; ip -n $n link set lo up; done
ip link add cli0 netns $C type veth peer name in0 netns $R
ip link add out0 netns $R type veth peer name srv0 netns $S
ip -n $C addr add 10.0.0.2/24 dev cli0
ip -n $C addr add fd00:1::2/64 dev cli0 nodad
ip -n $R addr add 10.0.0.1/24 dev in0
ip -n $R addr add fd00:1::1/64 dev in0 nodad
ip -n $R addr add 203.0.113.1/24 dev out0
ip -n $R addr add fd00:2::1/64 dev out0 nodad
ip -n $S addr add 203.0.113.2/24 dev srv0
ip -n $S addr add fd00:2::2/64 dev srv0 nodad
# the outside link's MTU is smaller than the inside's: big datagrams with DF get Fragmentation Needed / Packet Too Big
ip -n $R link set out0 mtu 1300
ip -n $S link set srv0 mtu 1300
for i in "$C cli0" "$R in0" "$R out0" "$S srv0"; do set -- $i; ip -n $1 link set $2 up; done
ip -n $C route add default via 10.0.0.1
ip -n $C -6 route add default via fd00:1::1
ip -n $S route add default via 203.0.113.1
ip -n $S -6 route add default via fd00:2::1
ip netns exec $R sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec $R nft -f - <<'NFT'
table inet nat {
  chain postrouting { type nat hook postrouting priority srcnat; oifname "out0" masquerade; }
}
NFT
WORK=$(mktemp -d)
ip netns exec $R dumpcap -q -i in0 -i out0 -w "$WORK/cap.pcapng" >/dev/null 2>&1 &
DUMP=$!
sleep 2
ip netns exec $C ping -c 2 -i 0.5 -W 1 203.0.113.2 >"$OUT/logs/ping.log" 2>&1
ip netns exec $C ping -6 -c 2 -i 0.5 -W 1 fd00:2::2 >"$OUT/logs/ping6.log" 2>&1
sleep 1
ip netns exec $C python3 - <<'PY'
import socket, struct, time
def stun(tid, pad=0):
    # RFC 8489 §5: Binding request; a PADDING attribute (RFC 5780 §7.6, 0x0026) makes it big when asked
    attrs = struct.pack('!HH', 0x0026, pad) + b'\0' * pad if pad else b''
    return struct.pack('!HHI', 0x0001, len(attrs), 0x2112A442) + tid + attrs
for family, dst in ((socket.AF_INET, '203.0.113.2'), (socket.AF_INET6, 'fd00:2::2')):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0' if family == socket.AF_INET else '::', 40000))
    v6 = family == socket.AF_INET6
    # a closed port: Destination Unreachable, Port Unreachable
    s.sendto(stun(b'rtclab-icmp' + (b'6' if v6 else b'4')), (dst, 3478))
    time.sleep(1.1)
    # TTL / hop limit 1: Time Exceeded from the router
    if v6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
    else: s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    s.sendto(stun(b'rtclab-ttl-' + (b'6' if v6 else b'4')), (dst, 3478))
    time.sleep(1.1)
    if v6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 64)
    else: s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 64)
    # don't fragment (IP_MTU_DISCOVER = IP_PMTUDISC_PROBE: set DF, ignore the path MTU cache) and too big for out0
    if v6: s.setsockopt(socket.IPPROTO_IPV6, 23, 3)  # IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE
    else: s.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_MTU_DISCOVER, IP_PMTUDISC_PROBE
    s.sendto(stun(b'rtclab-big-' + (b'6' if v6 else b'4'), pad=1400 - (40 if v6 else 20) - 8 - 20 - 4), (dst, 3478))
    time.sleep(1.1)
    s.close()
PY
sleep 1
kill $DUMP
wait $DUMP || true
cp "$WORK/cap.pcapng" "$OUT/icmp-linux-nat.pcapng"
{ uname -sr; dpkg-query -W nftables iputils-ping tshark iproute2; } >"$OUT/logs/versions.txt"
rm -rf "$WORK"
