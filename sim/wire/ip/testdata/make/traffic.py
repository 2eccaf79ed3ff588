"""Kernel-made IPv4/IPv6 UDP and TCP between two network namespaces over a veth with MTU 1280:
small datagrams, fragmented datagrams (IPv4 fragments, IPv6 Fragment headers), IPv6 Hop-by-Hop and Destination
Options headers, and a short TCP exchange (SYN options MSS/SACK-permitted/timestamps/window scale)."""
import socket, sys, time

peer4, peer6 = '10.9.0.2', 'fd00:9::2'

def udp(family, addr, sizes, opts=()):
    s = socket.socket(family, socket.SOCK_DGRAM)
    for level, name, value in opts:
        s.setsockopt(level, name, value)
    for n in sizes:
        s.sendto(bytes((i * 7 + n) & 0xff for i in range(n)), (addr, 4444))
        time.sleep(0.05)
    s.close()

def tcp(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.connect((addr, 5555))
    s.sendall(b'hello over tcp\n')
    time.sleep(0.1)
    s.recv(100)
    s.close()
    time.sleep(0.2)

IPV6_HOPOPTS, IPV6_DSTOPTS = 54, 59
udp(socket.AF_INET, peer4, [12, 3000])
udp(socket.AF_INET6, peer6, [13, 3001])
# Hop-by-Hop with a PadN option; Destination Options with an unknown skippable option (type 0x1e) padded by PadN
hbh = bytes([0, 0, 1, 4, 0, 0, 0, 0])
dst = bytes([0, 0, 0x1e, 2, 0xab, 0xcd, 1, 0])
udp(socket.AF_INET6, peer6, [14], [(socket.IPPROTO_IPV6, IPV6_HOPOPTS, hbh), (socket.IPPROTO_IPV6, IPV6_DSTOPTS, dst)])
tcp(socket.AF_INET, peer4)
tcp(socket.AF_INET6, peer6)
