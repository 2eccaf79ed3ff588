/**
 * call-sfu scaled to `n` participants: the same SFU (ICE-lite, DTLS server) and STUN server on public addresses,
 * each participant a browser-like sfu-client sending audio and 30 fps video from behind its own NAT (port-restricted
 * cone and symmetric in turn, as alice's and bob's), joining 100 ms after the one before.
 */
export function sfuRoom(n: number, seconds: number): unknown {
  if (n < 2 || n > 200) throw new RangeError(`an SFU room of ${n}: 2 to 200 participants`);
  const nodes: { [name: string]: unknown } = {
    internet: { kind: 'router' },
    server: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24'], link: { delay: '10ms' } },
    sfu: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.30/24'], link: { delay: '5ms' } },
  };
  const apps: unknown[] = [
    { kind: 'turn-server', host: 'server', listen: '198.51.100.10:3478', relay: '198.51.100.10:49152-49167', realm: 'rtclab.example', users: { alice: 'alice-secret' } },
    { kind: 'sfu', host: 'sfu', ip: '198.51.100.30', ports: '40000-40999', signalingDelay: '20ms' },
  ];
  for (let k = 1; k <= n; k++) {
    const nat = `nat${k}`;
    const host = `p${k}`;
    nodes[nat] = {
      kind: 'nat',
      uplink: 'internet',
      preset: k % 2 ? 'port-restricted-cone' : 'symmetric',
      internal: `10.${k >> 8}.${k & 0xff}.1/24`,
      external: [`203.0.${113 + (k >> 8)}.${(k & 0xff) + 10 > 254 ? k & 0x7f : (k & 0xff) + 10}`],
      link: { delay: '10ms' },
    };
    nodes[host] = { kind: 'host', uplink: nat, addresses: [`10.${k >> 8}.${k & 0xff}.10/24`], link: { delay: '1ms' } };
    apps.push({ kind: 'sfu-client', host, sfu: 'sfu', stun: ['198.51.100.10:3478'], media: { audio: true, video: { fps: 30 } }, signalingDelay: '40ms', startAt: `${(k - 1) * 100}ms` });
  }
  return { name: `call-sfu-${n}`, title: `An SFU room of ${n}`, seed: 1, duration: `${seconds}s`, nodes, apps };
}
