#!/usr/bin/env python3
"""Writes truth.json from tshark's own decode of every ICMP and ICMPv6 frame (run from the capture's folder)."""
import hashlib, json, subprocess

CAP = 'icmp-linux-nat.pcapng'
FIELDS = ['frame.number', 'frame.interface_name', 'icmp.type', 'icmp.code', 'icmp.checksum.status', 'icmp.ident', 'icmp.seq', 'icmp.mtu',
          'icmpv6.type', 'icmpv6.code', 'icmpv6.checksum.status', 'icmpv6.echo.identifier', 'icmpv6.echo.sequence_number', 'icmpv6.mtu',
          'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'udp.dstport', 'stun.type', 'stun.id']
out = subprocess.run(['tshark', '-r', CAP, '-Y', 'icmp or icmpv6', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;']
                     + [x for f in FIELDS for x in ('-e', f)], capture_output=True, text=True, check=True).stdout
count = len(subprocess.run(['tshark', '-r', CAP, '-T', 'fields', '-e', 'frame.number'], capture_output=True, text=True, check=True).stdout.split())
frames = []
for line in out.splitlines():
    v = dict(zip(FIELDS, line.split('\t')))
    lst = lambda k: v[k].split(';') if v[k] else []
    first = lambda k: int(lst(k)[0], 0) if lst(k) else None
    v6 = bool(v['icmpv6.type'])
    p = 'icmpv6' if v6 else 'icmp'
    frame = {
        'frame': int(v['frame.number']),
        'interface': v['frame.interface_name'],
        'family': 6 if v6 else 4,
        'type': first(f'{p}.type'),
        'code': first(f'{p}.code'),
        # tshark: 1 good, 0 bad, 2 unverified
        'checksumGood': first(f'{p}.checksum.status') == 1,
        'identifier': first('icmpv6.echo.identifier' if v6 else 'icmp.ident'),
        'sequence': first('icmpv6.echo.sequence_number' if v6 else 'icmp.seq'),
        'mtu': first(f'{p}.mtu'),
        # the outer addresses first, then the quoted datagram's (tshark dissects the quote as IP again)
        'addresses': [list(x) for x in zip(lst('ipv6.src' if v6 else 'ip.src'), lst('ipv6.dst' if v6 else 'ip.dst'))],
        'quotedPorts': [int(x) for x in lst('udp.srcport') + lst('udp.dstport')],
        'quotedStun': [{'type': t, 'transactionId': i} for t, i in zip(lst('stun.type'), lst('stun.id'))],
    }
    frames.append({k: x for k, x in frame.items() if x is not None})


def first_byte_class(b):
    """RFC 7983 §7 by the first byte alone, as the other captures' truth files count UDP payloads."""
    if not b:
        return 'empty'
    f = b[0]
    if f <= 3:
        return 'stun'
    if 16 <= f <= 19:
        return 'zrtp'
    if 20 <= f <= 63:
        return 'dtls13_ciphertext' if f >= 32 else 'dtls'
    if 64 <= f <= 79:
        return 'turn_channeldata'
    if 128 <= f <= 191 and len(b) >= 8:
        return 'rtcp' if 192 <= b[1] <= 223 else ('rtp' if len(b) >= 12 else 'other')
    return 'other'


# the datagrams' own UDP payloads (not the ones ICMP errors quote)
udp_classes = {}
for h in subprocess.run(['tshark', '-r', CAP, '-Y', 'udp and not icmp and not icmpv6', '-T', 'fields', '-e', 'udp.payload'], capture_output=True, text=True, check=True).stdout.split('\n'):
    if h:
        k = first_byte_class(bytes.fromhex(h))
        udp_classes[k] = udp_classes.get(k, 0) + 1
data = open(CAP, 'rb').read()
version = subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0]
with open('truth.json', 'w') as f:
    json.dump({
        'file': CAP, 'size_bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest(),
        'generated_by': f'make/truth.py with {version}: tshark -Y "icmp or icmpv6" -T fields -e ' + ' -e '.join(FIELDS[2:]),
        'packet_count': count,
        'frames': frames,
        'rfc7983_demux': {'counts': udp_classes},
    }, f, indent=1)
    f.write('\n')
print(len(frames), 'ICMP/ICMPv6 frames')
