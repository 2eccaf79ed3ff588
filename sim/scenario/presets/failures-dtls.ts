/**
 * A DTLS handshake that times out: flights retransmitted into a middlebox until the peers give up (sim/diagnosis
 * names the last flight, its retransmissions and where they died). sim/diagnosis/presets.test.ts pins the cause.
 */
import { p2p } from './calls.ts';
import { sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

export function dtlsFailurePresets(): PresetInfo[] {
  const name = 'fail-dtls-blocked';
  const title = 'Failure: a middlebox drops DTLS after ICE succeeds (handshake timeout)';
  const description =
    "Alice's network sends her traffic through a deep-packet-inspection box (firewall preset block-dtls) that drops every UDP datagram whose payload is DTLS (RFC 7983 §7: first byte 20–63) and lets the rest through. ICE's STUN checks pass and a pair is selected; then every DTLS flight on it dies at the box, both ways: Bob's ClientHello never reaches Alice, her retransmissions of nothing and his of the ClientHello double their timer (RFC 6347 §4.2.4.1) until the handshake gives up. Consent keeps the pair alive (STUN still passes), but no key is made and no media flows. The diagnosis names the flight that was retransmitted last, how often, and the box that dropped it.";
  return [
    {
      name,
      title,
      description,
      build: () =>
        p2p(name, title, description, {
          fwA: { kind: 'firewall', uplink: 'internet', preset: 'block-dtls', link: { delay: '10ms' } },
          alice: { kind: 'host', uplink: 'fwA', addresses: ['203.0.113.10/24'], link: { delay: '1ms' } },
        }, sideNodes('bob', 'port-restricted-cone'), { duration: '190s' }),
    },
  ];
}
