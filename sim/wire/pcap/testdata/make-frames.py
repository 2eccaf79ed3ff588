#!/usr/bin/env python3
"""Regenerates tshark-frames.json: tshark's view of every frame, plus the shared truth files' counts."""
import hashlib, json, os, subprocess

SHARED = '/work/shared/captures/'
TRUTH = {
    'stun-turn-coturn.pcapng': 'stun-turn-coturn/truth.json',
    'stun-binding.pcapng': 'stun-turn-coturn/slices/stun-binding.truth.json',
    'turn-scripted.pcapng': 'stun-turn-coturn/slices/turn-scripted.truth.json',
    'turn-uclient-channel.pcapng': 'stun-turn-coturn/slices/turn-uclient-channel.truth.json',
    'turn-uclient-send.pcapng': 'stun-turn-coturn/slices/turn-uclient-send.truth.json',
    'dtls12-srtp.pcapng': 'dtls-srtp-openssl/dtls12-srtp.truth.json',
    'dtls12-srtp-fragmented.pcapng': 'dtls-srtp-openssl/dtls12-srtp-fragmented.truth.json',
    'chromium-host.pcapng': 'chromium-loopback-call/chromium-host.truth.json',
}
FIELDS = ['frame.time_epoch', 'frame.cap_len', 'frame.len', 'frame.interface_name', 'frame.encap_type', 'ip.src', 'ip.dst', 'ip.len']

os.chdir(os.path.dirname(os.path.abspath(__file__)))
out = {
    'generated_by': subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0],
    'command': 'tshark -r FILE -T fields ' + ' '.join('-e ' + f for f in FIELDS),
    'columns': ['time_epoch', 'cap_len', 'len', 'ip_src', 'ip_dst', 'ip_len'],
    'files': {},
}
for f in sorted(TRUTH):
    args = ['tshark', '-r', f, '-T', 'fields'] + [a for x in FIELDS for a in ('-e', x)]
    rows = [l.split('\t') for l in subprocess.run(args, capture_output=True, text=True).stdout.strip().split('\n')]
    truth = json.load(open(SHARED + TRUTH[f]))
    out['files'][f] = {
        'sha256': hashlib.sha256(open(f, 'rb').read()).hexdigest(),
        'interface_name': rows[0][3],
        'encap_type': int(rows[0][4]),
        'frames': [[x[0], int(x[1]), int(x[2]), x[5], x[6], int(x[7])] for x in rows],
        'truth': {
            'source': TRUTH[f],
            'packet_count': truth['packet_count'],
            'file_encapsulation': truth['capinfos']['File encapsulation'],
            'sha256': truth.get('sha256'),
        },
    }
json.dump(out, open('tshark-frames.json', 'w'), separators=(',', ':'))
