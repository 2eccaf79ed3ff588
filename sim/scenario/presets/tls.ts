/**
 * TLS presets: TLS 1.3 and 1.2 handshakes over the simulated TCP (sim/tls), through a NAT. `--keylog` writes the
 * key log that lets `rtclab dissect --keylog` and Wireshark open the records.
 */
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const NODES: Json = {
  internet: { kind: 'router' },
  server: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24'], link: { delay: '20ms' } },
  natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
  alice: { kind: 'host', uplink: 'natA', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
};

const TLS13_DESCRIPTION =
  "Alice, behind a NAT, opens a TCP connection to the server's port 443 and runs a TLS 1.3 handshake on it (RFC 8446): a ClientHello with SNI, ALPN and an X25519 key share; the server's ServerHello, then EncryptedExtensions, its self-signed ECDSA certificate, CertificateVerify and Finished, all encrypted with the handshake keys; alice's Finished; a NewSessionTicket. Then one request and its answer as application data, and close_notify both ways before the FINs. Run with --keylog to decrypt it with `rtclab dissect --keylog` or Wireshark.";

const TLS12_DESCRIPTION =
  'The same connection with a server that speaks only TLS 1.2 (RFC 5246): alice offers 1.3 and 1.2, the server answers with a 1.2 ServerHello, Certificate, an ECDHE ServerKeyExchange signed with its ECDSA key and ServerHelloDone; ClientKeyExchange, ChangeCipherSpec and Finished each way, with the extended master secret (RFC 7627). The key log has one CLIENT_RANDOM line.';

function scenario(name: string, title: string, description: string, serverVersions: string[]): Json {
  return {
    name,
    title,
    description,
    seed: 1,
    duration: '3s',
    nodes: NODES,
    apps: [
      { kind: 'tls-server', host: 'server', port: 443, versions: serverVersions, alpn: ['h2', 'http/1.1'], commonName: 'server.example', response: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
      { kind: 'tls-client', host: 'alice', server: '198.51.100.10:443', sni: 'server.example', alpn: ['http/1.1'], message: 'GET / HTTP/1.1\r\nHost: server.example\r\n\r\n', at: '100ms' },
    ],
  };
}

export function tlsPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, versions: string[]): void => {
    out.push({ name, title, description, build: () => scenario(name, title, description, versions) });
  };
  add('tls13-nat', 'A TLS 1.3 handshake over TCP through a NAT', TLS13_DESCRIPTION, ['1.3', '1.2']);
  add('tls12-nat', 'A TLS 1.2 handshake over TCP through a NAT', TLS12_DESCRIPTION, ['1.2']);
  return out;
}
