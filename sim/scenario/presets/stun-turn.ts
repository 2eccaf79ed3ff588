/**
 * STUN and TURN presets: a Binding request through each kind of NAT (what XOR-MAPPED-ADDRESS the server saw), the
 * RFC 5780 behaviour discovery against each NAT preset, and TURN relay sessions (a full one, and one where a
 * permission lapses and the peer's data is dropped at the relay).
 */
import { NAT_PRESET_NAMES } from '../nat-config.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const INTERNET = { kind: 'router' };
/** A STUN server with two addresses, so it can answer from another address and port (RFC 5780). */
const STUN_HOST = { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24', '198.51.100.11/24'], link: { delay: '20ms' } };
const STUN_SERVER = { kind: 'stun-server', host: 'server', listen: '198.51.100.10:3478', alternate: '198.51.100.11:3479' };

/** Alice behind a NAT of this preset, or with a public address when the preset is "open". */
function alice(preset: string): Json {
  if (preset === 'open') return { alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '11ms' } } };
  return {
    natA: { kind: 'nat', uplink: 'internet', preset, internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
    alice: { kind: 'host', uplink: 'natA', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
  };
}
const aliceAddress = (preset: string): string => (preset === 'open' ? '203.0.113.50' : '192.168.1.10');

const DISCOVERY_PRESETS = ['open', ...NAT_PRESET_NAMES];

export function stunTurnPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  for (const nat of DISCOVERY_PRESETS) {
    const behind = nat === 'open' ? 'with no NAT' : `behind a ${nat} NAT`;
    const bTitle = `STUN Binding ${behind}`;
    const bDesc = `Alice asks a STUN server twice what address it sees (RFC 8489 Binding); the XOR-MAPPED-ADDRESS in the answer is her ${nat === 'open' ? 'own address' : 'mapping on the NAT'}.`;
    out.push({
      name: `stun-binding-${nat}`,
      title: bTitle,
      description: bDesc,
      build: () => ({
        name: `stun-binding-${nat}`,
        title: bTitle,
        description: bDesc,
        seed: 1,
        duration: '3s',
        nodes: { internet: INTERNET, server: STUN_HOST, ...alice(nat) },
        apps: [STUN_SERVER, { kind: 'stun-binding', host: 'alice', bind: `${aliceAddress(nat)}:5000`, server: '198.51.100.10:3478', at: ['0s', '1s'] }],
      }),
    });
    const dTitle = `RFC 5780 NAT discovery ${behind}`;
    const dDesc =
      'Alice runs the RFC 5780 tests against a server with two addresses and two ports: filtering (may the server answer from another address and port? another port?) then mapping (does the alternate address see the same mapped address?).';
    out.push({
      name: `nat-discovery-${nat}`,
      title: dTitle,
      description: dDesc,
      build: () => ({
        name: `nat-discovery-${nat}`,
        title: dTitle,
        description: dDesc,
        seed: 1,
        duration: '100s',
        nodes: { internet: INTERNET, server: STUN_HOST, ...alice(nat) },
        apps: [STUN_SERVER, { kind: 'nat-discovery', host: 'alice', bind: `${aliceAddress(nat)}:5000`, server: '198.51.100.10:3478' }],
      }),
    });
  }
  out.push({
    name: 'turn-relay',
    title: 'A TURN relay session',
    description: RELAY_DESCRIPTION,
    build: () =>
      turnScenario('turn-relay', 'A TURN relay session', RELAY_DESCRIPTION, '75s', {}, [
        { at: '0s', do: 'allocate', lifetime: 120 },
        { at: '1s', do: 'permission', peers: ['203.0.113.50:7000'] },
        { at: '2s', do: 'send', peer: '203.0.113.50:7000', data: 'hello bob, by Send indication' },
        { at: '3s', do: 'channel', peer: '203.0.113.50:7000', channel: 0x4000 },
        { at: '4s', do: 'send', peer: '203.0.113.50:7000', data: 'hello bob, by ChannelData' },
        { at: '70s', do: 'deallocate' },
      ], [{ kind: 'udp-echo', host: 'bob', listen: ['203.0.113.50:7000'] }]),
  });
  out.push({
    name: 'turn-icmp-relay',
    title: 'A Port Unreachable about a relayed datagram reaches the TURN client',
    description: ICMP_RELAY_DESCRIPTION,
    build: () =>
      turnScenario('turn-icmp-relay', 'A Port Unreachable about a relayed datagram reaches the TURN client', ICMP_RELAY_DESCRIPTION, '12s', {}, [
        { at: '0s', do: 'allocate', lifetime: 600 },
        { at: '1s', do: 'permission', peers: ['203.0.113.50:7000'] },
        { at: '2s', do: 'send', peer: '203.0.113.50:7001', data: 'anyone on port 7001?' },
        { at: '3s', do: 'channel', peer: '203.0.113.50:7001', channel: 0x4000 },
        { at: '4s', do: 'send', peer: '203.0.113.50:7001', data: 'still nobody?' },
        { at: '5s', do: 'send', peer: '203.0.113.50:7000', data: 'hello bob on port 7000' },
        { at: '10s', do: 'deallocate' },
      ], [{ kind: 'udp-echo', host: 'bob', listen: ['203.0.113.50:7000'] }]),
  });
  out.push({
    name: 'turn-permission-expiry',
    title: 'A TURN permission expires',
    description: EXPIRY_DESCRIPTION,
    build: () =>
      turnScenario('turn-permission-expiry', 'A TURN permission expires', EXPIRY_DESCRIPTION, '330s', { keepPermissions: false }, [
        { at: '0s', do: 'allocate' },
        { at: '1s', do: 'permission', peers: ['203.0.113.50:7000'] },
        { at: '2s', do: 'send', peer: '203.0.113.50:7000', data: 'hello bob' },
        { at: '2s', do: 'send', peer: '203.0.113.50:7001', data: 'answer me in 320 s' },
      ], [
        { kind: 'udp-echo', host: 'bob', listen: ['203.0.113.50:7000'] },
        { kind: 'udp-echo', host: 'bob', listen: ['203.0.113.50:7001'], replyDelay: '320s' },
      ]),
  });
  out.push({
    name: 'turn-tcp-relay',
    title: 'TURN over TCP through a firewall that blocks UDP',
    description: TCP_RELAY_DESCRIPTION,
    build: () => {
      const s = turnScenario('turn-tcp-relay', 'TURN over TCP through a firewall that blocks UDP', TCP_RELAY_DESCRIPTION, '12s', { transport: 'tcp', bind: '192.168.1.10:0' }, [
        { at: '0s', do: 'allocate', lifetime: 600 },
        { at: '1s', do: 'permission', peers: ['203.0.113.50:7000'] },
        { at: '2s', do: 'send', peer: '203.0.113.50:7000', data: 'hello bob, by Send indication over TCP' },
        { at: '3s', do: 'channel', peer: '203.0.113.50:7000', channel: 0x4000 },
        { at: '4s', do: 'send', peer: '203.0.113.50:7000', data: 'hello bob, by ChannelData padded on the stream' },
        { at: '10s', do: 'deallocate' },
      ], [{ kind: 'udp-echo', host: 'bob', listen: ['203.0.113.50:7000'] }]);
      return withUdpBlocked(s);
    },
  });
  out.push({
    name: 'turn-tcp-connect',
    title: 'TURN TCP allocation (RFC 6062): Connect, ConnectionBind and a data connection to a TCP peer',
    description: TCP_CONNECT_DESCRIPTION,
    build: () => {
      const s = turnScenario('turn-tcp-connect', 'TURN TCP allocation (RFC 6062): Connect, ConnectionBind and a data connection to a TCP peer', TCP_CONNECT_DESCRIPTION, '8s', { transport: 'tcp', bind: '192.168.1.10:0' }, [
        { at: '0s', do: 'allocate', relay: 'tcp', lifetime: 600 },
        { at: '1s', do: 'permission', peers: ['203.0.113.50:7100'] },
        { at: '2s', do: 'connect', peer: '203.0.113.50:7100' },
        { at: '6s', do: 'deallocate' },
      ], [{ kind: 'tcp-peer', host: 'bob', listen: 7100, send: 3000, close: false }]);
      const u = withUdpBlocked(s);
      return { ...u, apps: (u.apps as Json[]).map((a) => (a.kind === 'turn-server' ? { ...a, tcpAllocations: true } : a)) };
    },
  });
  return out;
}

/** Puts a `block-udp` firewall between alice's NAT and the internet, and lets the TURN server take TCP. */
function withUdpBlocked(s: Json): Json {
  const nodes = s.nodes as Record<string, Json>;
  const apps = s.apps as Json[];
  return {
    ...s,
    nodes: { ...nodes, fw: { kind: 'firewall', uplink: 'internet', preset: 'block-udp', link: { delay: '2ms' } }, natA: { ...nodes.natA, uplink: 'fw' } },
    apps: apps.map((a) => (a.kind === 'turn-server' ? { ...a, tcp: true } : a)),
  };
}

const TCP_RELAY_DESCRIPTION =
  "Alice's network drops every UDP datagram, but lets a TCP handshake out. Her TURN client opens a TCP connection to the server's port 3478 (RFC 8656 §3.1) and runs the whole session on it: Allocate (401, then with credentials), CreatePermission, a Send indication, ChannelBind and ChannelData padded to a multiple of 4 (§12.5). The relayed side stays UDP: bob's answers reach the relay and come back to alice down the TCP connection.";

const TCP_CONNECT_DESCRIPTION =
  "Alice's network drops UDP, and bob only speaks TCP. Her TURN client opens a control connection to the server's port 3478 and asks for a TCP allocation (REQUESTED-TRANSPORT 6, RFC 6062 §4.1), installs a permission for bob and sends Connect with his address (§4.3): the server opens a TCP connection from the relayed address to bob's port 7100 and answers with a CONNECTION-ID. Alice then opens a second TCP connection to the server, the data connection, and sends ConnectionBind with that id on it (§4.4; the server's nonce is per connection, so the first try gets 438 Stale Nonce and a fresh one); after the success response the server splices it to the peer connection and STUN framing stops: bob's 3,000 bytes reach alice as raw TCP on the data connection. Deallocating at 6 s closes the peer and data connections (§5.5).";

const RELAY_DESCRIPTION =
  'Alice, behind a NAT, allocates a relayed address on a TURN server (401, then the same Allocate with long-term credentials), installs a permission for bob, sends through a Send indication, binds channel 0x4000 and sends ChannelData; bob answers each time. The 120 s allocation is refreshed a minute before it expires, then deleted with LIFETIME 0.';
const ICMP_RELAY_DESCRIPTION =
  "Alice holds a permission for bob's IP. Her Send indication to bob's port 7001, where nothing listens, leaves the relayed address and draws a Port Unreachable from bob's host. The TURN server hands it to alice in a Data indication carrying XOR-PEER-ADDRESS 203.0.113.50:7001 and an ICMP attribute (type 3, code 3) instead of DATA (RFC 8656 §11.5); it does so again after she binds channel 0x4000 to that port, since ChannelData has no room for an error. Alice keeps both errors; her datagram to port 7000 is echoed as usual.";
const EXPIRY_DESCRIPTION =
  'Alice installs a permission for bob and never refreshes it. Bob answers at once from port 7000 (relayed to alice) and 320 s later from port 7001: the 300 s permission has lapsed, so the TURN server drops that datagram (RFC 8656 §9).';

function turnScenario(name: string, title: string, description: string, duration: string, clientOpts: Json, script: Json[], peers: Json[]): Json {
  return {
    name,
    title,
    description,
    seed: 1,
    duration,
    nodes: {
      internet: INTERNET,
      turn: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.20/24'], link: { delay: '15ms' } },
      bob: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '12ms' } },
      ...alice('port-restricted-cone'),
    },
    apps: [
      { kind: 'turn-server', host: 'turn', listen: '198.51.100.20:3478', relay: '198.51.100.20:49152-49167', realm: 'example.org', users: { alice: 's3cr3t-pass' } },
      ...peers,
      { kind: 'turn-client', host: 'alice', bind: '192.168.1.10:5000', server: '198.51.100.20:3478', username: 'alice', password: 's3cr3t-pass', ...clientOpts, script },
    ],
  };
}
