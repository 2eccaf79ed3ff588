// Node only, run inside a network namespace (sip-tcp.test.ts starts it): SIP over TCP (RFC 3261 §18) between a real
// Kamailio and two of our phones, whose TCP is our own stack behind a TUN device (bridge/tun-tcp.ts), so Kamailio
// talks to our TCP through the Linux kernel's. Kamailio listens on tcp:10.79.0.1:5060 (the kernel's side of the TUN);
// our phones (sim/sip/phone.ts over sim/sip/tcp-transport.ts) listen on 10.79.0.2:5060 and :5062, register over a
// connection each opens, and 1001 calls 1002 through Kamailio, which opens a connection of its own to 1002's
// Contact. Their RTP (plain G.711, which Kamailio never touches) goes from one phone to the other in this process.
// Every SIP message each phone sent or received, and the phones' state, are printed as JSON; a capture of the TUN
// is written to the file given.
import { SipPhone } from '../sim/sip/phone.ts';
import { SipTcpTransport, type SipStreamNet } from '../sim/sip/tcp-transport.ts';
import { Rng } from '../sim/core/rng.ts';
import { MS, SECOND } from '../sim/core/time.ts';
import { formatTransportAddress, type Endpoint, type TransportAddress } from '../sim/core/endpoint.ts';
import { startKamailio } from './sip-real.ts';
import { openTunSession, runScript } from './tun-session.ts';

const captureFile = process.argv[2];
const KERNEL = '10.79.0.1';
const OURS = '10.79.0.2';
const DOMAIN = 'rtclab.test';
const USERS = { '1001': 's3cret', '1002': 'hunter2' };

/** Drives endpoints in real time; a datagram to an address of another endpoint here is handed to it (RTP between our phones). */
class Loop {
  private readonly members: { e: Endpoint; addresses: TransportAddress[]; timer?: NodeJS.Timeout }[] = [];
  readonly notes: string[] = [];
  undelivered = 0;
  errors: string[] = [];
  private closed = false;
  constructor(private readonly now: () => number) {}

  add(e: Endpoint, addresses: TransportAddress[]): void {
    this.members.push({ e, addresses });
  }

  pump(): void {
    if (this.closed) return;
    for (const m of this.members) {
      for (let i = 0; i < 10_000; i++) {
        let out;
        try {
          out = m.e.poll(this.now());
        } catch (e) {
          this.errors.push((e as Error).stack ?? String(e));
          return;
        }
        if (out.type === 'transmit') {
          const to = out.to;
          const target = this.members.find((x) => x.addresses.some((a) => a.ip === to.ip && a.port === to.port));
          if (!target) this.undelivered++;
          else {
            const { from, bytes } = out;
            setImmediate(() => {
              if (this.closed) return;
              target.e.handleDatagram(this.now(), from, to, bytes);
              this.pump();
            });
          }
        } else if (out.type === 'note') this.notes.push(`${out.kind}: ${out.text}`);
        else if (out.type === 'timeout' || out.type === 'idle') {
          clearTimeout(m.timer);
          if (out.type === 'timeout') {
            m.timer = setTimeout(() => {
              if (this.closed) return;
              m.e.handleTimeout(this.now());
              this.pump();
            }, Math.max(0, (out.at - this.now()) / 1000));
          }
          break;
        }
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const m of this.members) clearTimeout(m.timer);
  }
}

async function until(what: string, ms: number, ok: () => boolean, why: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const tun = await openTunSession({ kernel: KERNEL, ours: OURS, device: 'rtclab-tun2', seed: 5, captureFile });
  const { bridge, streams } = tun;
  const kamailio = await startKamailio({ domain: DOMAIN, users: USERS, ms: 90_000, listen: { transport: 'tcp', ip: KERNEL, port: 5060 } }).catch(async (e: unknown) => {
    await tun.close();
    throw e;
  });
  const loop = new Loop(() => bridge.now());
  const net: SipStreamNet = {
    get now() {
      return bridge.now();
    },
    listen: (local, onStream) => streams.listen(local.ip, local.port, onStream),
    connect: (remote, localIp) => streams.connect(localIp, remote),
  };
  const seen: Record<string, { dir: 'in' | 'out'; peer: string; text: string }[]> = {};
  const transports: SipTcpTransport[] = [];
  const phone = (user: '1001' | '1002', port: number): SipPhone => {
    const local = { ip: OURS, port };
    const log: { dir: 'in' | 'out'; peer: string; text: string }[] = (seen[user] = []);
    const holder: { phone?: SipPhone } = {};
    const dec = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
    const transport = new SipTcpTransport(
      net,
      local,
      (now, from, bytes) => {
        log.push({ dir: 'in', peer: formatTransportAddress(from), text: dec(bytes) });
        holder.phone?.stack.handleDatagram(now, from, bytes);
      },
      (_t, n) => loop.notes.push(`${user} ${n.kind}: ${n.text}`),
      () => loop.pump(),
    );
    transports.push(transport);
    const sipStream = {
      send(to: TransportAddress, bytes: Uint8Array): void {
        log.push({ dir: 'out', peer: formatTransportAddress(to), text: dec(bytes) });
        transport.send(to, bytes);
      },
    };
    const p = new SipPhone({
      name: `phone${user}`, sipStream, rng: Rng.fromSeed(Number(user)).fork('phone'), local, rtpPort: port + 1000, user, domain: DOMAIN, password: USERS[user],
      registrar: kamailio.address, registerAt: 0, expires: 600, ringFor: 300 * MS, codecs: [0, 8], echo: false, userAgent: 'rtclab-phone',
    });
    holder.phone = p;
    loop.add(p, [local, { ip: OURS, port: port + 1000 }]);
    return p;
  };
  const results: Record<string, unknown> = {};
  try {
    const a = phone('1001', 5060);
    const b = phone('1002', 5062);
    loop.pump();
    const why = (): string => `notes:\n${loop.notes.join('\n')}\nerrors: ${[...loop.errors, ...bridge.errors.map((e) => e.stack)].join('\n')}\nkamailio:\n${kamailio.log().slice(-3000)}`;
    await until('both phones registered over TCP', 90_000, () => a.registration?.state === 'registered' && b.registration?.state === 'registered', why);
    a.dial(bridge.now(), '1002', 2 * SECOND);
    loop.pump();
    await until('the call placed, answered and hung up', 90_000, () => a.calls[0]?.state === 'ended' && b.calls[0]?.state === 'ended', why);
    // Kamailio's last relayed messages and the connections' ACKs
    await new Promise((r) => setTimeout(r, 500));
    results.seen = seen;
    results.registration = [a.registration?.state, b.registration?.state, a.registration?.expires];
    results.calls = [a.history, b.history];
    results.media = [a.mediaSummary(), b.mediaSummary()];
    results.routeSets = [a.calls[0]?.routeSet, b.calls[0]?.routeSet];
    results.connections = transports.map((t) => ({ opened: t.opened, accepted: t.accepted }));
    results.retransmissions = [a.stack.retransmissions, b.stack.retransmissions];
    results.errors = [...loop.errors, ...bridge.errors.map((e) => e.message)];
    results.tcpNotes = bridge.notes.filter((n) => n.kind === 'tcp.malformed' || n.kind === 'tcp.reset-sent').map((n) => n.text);
    results.undelivered = loop.undelivered;
    results.kamailioLog = kamailio.log().split('\n').filter((l) => l.includes('rtclab:'));
  } finally {
    loop.close();
    kamailio.stop();
    await tun.close();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

runScript(main);
