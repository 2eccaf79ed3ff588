"""Writes <capture>.truth.json: what tshark 4.0 says about the IP/IPv6/UDP/TCP headers of every frame, with
checksum validation on. Run from testdata/: python3 make/truth.py *.pcapng"""
import json, subprocess, sys

FIELDS = [
    'frame.number', 'ip.version', 'ip.hdr_len', 'ip.dsfield.dscp', 'ip.dsfield.ecn', 'ip.len', 'ip.id',
    'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset', 'ip.ttl', 'ip.proto', 'ip.checksum', 'ip.checksum.status',
    'ip.src', 'ip.dst', 'ipv6.tclass', 'ipv6.flow', 'ipv6.plen', 'ipv6.nxt', 'ipv6.hlim', 'ipv6.src', 'ipv6.dst',
    'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident', 'ipv6.hopopts.nxt', 'ipv6.dstopts.nxt',
    'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum', 'udp.checksum.status', 'udp.checksum_calculated',
    'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.hdr_len', 'tcp.flags', 'tcp.window_size_value',
    'tcp.checksum', 'tcp.checksum.status', 'tcp.urgent_pointer', 'tcp.options.mss_val', 'tcp.options.wscale.shift',
    'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr', 'tcp.options.sack_perm', 'tcp.len',
]

def frames(path, extra):
    cmd = ['tshark', '-r', path, '-T', 'fields', '-E', 'occurrence=f', '-o', 'ip.check_checksum:TRUE',
           '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'tcp.relative_sequence_numbers:FALSE',
           *extra] + [a for f in FIELDS for a in ('-e', f)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        vals = line.split('\t')
        yield {f: v for f, v in zip(FIELDS, vals) if v != ''}

for path in sys.argv[1:]:
    # per-packet headers with reassembly off; the UDP verdict on reassembled datagrams with it on
    single = list(frames(path, ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE']))
    whole = {f['frame.number']: f for f in frames(path, [])}
    for f in single:
        w = whole.get(f['frame.number'], {})
        for k in ('udp.checksum.status', 'udp.length', 'udp.checksum_calculated'):
            if k in w and k not in f:
                f['reassembled.' + k] = w[k]
    with open(path.replace('.pcapng', '.truth.json'), 'w') as out:
        json.dump({'tshark': subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0],
                   'frames': single}, out, indent=1)
        out.write('\n')
