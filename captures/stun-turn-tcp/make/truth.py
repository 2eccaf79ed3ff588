#!/usr/bin/env python3
"""Writes truth.json from tshark's own decode of STUN/TURN over TCP (run from the capture's folder)."""
import hashlib, json, subprocess

CAP = 'stun-turn-tcp.pcapng'
FIELDS = ['frame.number', 'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport', 'stun.type', 'stun.id', 'stun.channel', 'stun.length']
out = subprocess.run(['tshark', '-r', CAP, '-Y', 'stun', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;']
                     + [x for f in FIELDS for x in ('-e', f)], capture_output=True, text=True, check=True).stdout
messages = []
for line in out.splitlines():
    frame, sip, sport, dip, dport, types, ids, channels, lengths = line.split('\t')
    types, ids, channels, lengths = (v.split(';') if v else [] for v in (types, ids, channels, lengths))
    base = {'frame': int(frame), 'src': f'{sip}:{sport}', 'dst': f'{dip}:{dport}'}
    # tshark lists a frame's STUN messages in order, then its ChannelData messages; both lengths share stun.length
    for i, (t, tid) in enumerate(zip(types, ids)):
        messages.append({**base, 'kind': 'STUN', 'type': t, 'transaction_id': tid, 'length': int(lengths[i])})
    for j, ch in enumerate(channels):
        messages.append({**base, 'kind': 'ChannelData', 'channel': ch, 'length': int(lengths[len(types) + j])})


def first_byte_class(b):
    """RFC 7983 §7 by the first byte alone (the relay↔peer leg is UDP; the client↔server leg is TCP)."""
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


udp_classes = {}
for hexpayload in subprocess.run(['tshark', '-r', CAP, '-Y', 'udp', '-T', 'fields', '-e', 'udp.payload'],
                                 capture_output=True, text=True, check=True).stdout.split('\n'):
    if hexpayload == '' :
        continue
    k = first_byte_class(bytes.fromhex(hexpayload))
    udp_classes[k] = udp_classes.get(k, 0) + 1
data = open(CAP, 'rb').read()
count = int(subprocess.run(['tshark', '-r', CAP, '-T', 'fields', '-e', 'frame.number'], capture_output=True, text=True).stdout.split()[-1])
version = subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0]
truth = {
    'file': CAP, 'size_bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest(),
    'generated_by': f'make/truth.py with {version}: tshark -Y stun -T fields -e stun.type -e stun.id -e stun.channel -e stun.length',
    'packet_count': count,
    'stun_messages': sum(1 for m in messages if m['kind'] == 'STUN'),
    'channeldata_messages': sum(1 for m in messages if m['kind'] == 'ChannelData'),
    'messages': messages,
    'rfc7983_demux': {'counts': udp_classes},
}
json.dump(truth, open('truth.json', 'w'), indent=1)
print(truth['packet_count'], truth['stun_messages'], truth['channeldata_messages'])
