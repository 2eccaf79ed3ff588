import { stunNote, type DiscoveryTest, type StunNote, type StunNoteKinds } from './notes.ts';
import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { StunAttribute } from '../wire/stun/index.ts';
import { ChangeRequest, decodeStun, getAttribute, isStun, MappedAddress, Method, OtherAddress, Software, XorMappedAddress } from '../wire/stun/index.ts';
import { nextWake } from '../core/deadline.ts';
import { Outbox } from './outbox.ts';
import type { TransactionOptions, TransactionResult } from './transactions.ts';
import { StunTransactions } from './transactions.ts';

/** RFC 4787's words for mapping and filtering behaviour, as RFC 5780 reports them. */
export type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

export interface DiscoveryResult {
  /** False when test I showed the mapped address equals the local one (RFC 5780 §4.3: no NAT). */
  readonly nat: boolean;
  /** undefined when the tests could not run (no answer, no OTHER-ADDRESS). */
  readonly mapping?: Behaviour | 'no-nat';
  readonly filtering?: Behaviour;
  /** The mapped address from test I. */
  readonly mapped?: string;
  /** Why the procedure stopped early. */
  readonly error?: string;
  /** The mapped address each mapping test saw. */
  readonly mappedByTest: { readonly [test: string]: string };
}

type Test = DiscoveryTest;

/**
 * RFC 5780 NAT behaviour discovery from one local port: test I (Binding to the primary address, learning
 * OTHER-ADDRESS), the filtering tests of §4.4 (the server answers from another address and port, then from another
 * port), then the mapping tests of §4.3 (Binding to the alternate address on the primary port, then on the alternate
 * port, comparing mapped addresses). The filtering tests run first, before anything is sent to the alternate
 * address: otherwise a NAT with address-dependent filtering would already let the alternate address in, and the
 * test would read as endpoint-independent.
 */
export class NatDiscoveryClient implements Endpoint {
  private readonly out = new Outbox();
  private readonly tx: StunTransactions<Test>;
  private started = false;
  private primary: TransportAddress;
  private other: TransportAddress | undefined;
  private readonly mapped = new Map<Test, TransportAddress>();
  private filtering: Behaviour | undefined;
  result: DiscoveryResult | undefined;

  constructor(
    readonly name: string,
    readonly local: TransportAddress,
    server: TransportAddress,
    rng: Rng,
    readonly startAt: Micros = 0,
    options: TransactionOptions = {},
  ) {
    this.primary = server;
    this.tx = new StunTransactions<Test>(rng, this.out, (r) => this.done(r), options);
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    if (!isStun(bytes)) return;
    const msg = decodeStun(bytes, false).value;
    if (msg) this.tx.handleResponse(now, from, to, msg, bytes);
  }

  handleTimeout(now: Micros): void {
    if (!this.started && now >= this.startAt) {
      this.started = true;
      this.send(now, 'test I', this.primary);
    }
    this.tx.handleTimeout(now);
  }

  private send(now: Micros, test: Test, to: TransportAddress, change?: { changeIp: boolean; changePort: boolean }): void {
    const attributes: StunAttribute[] = [Software.of('rtclab nat-discovery')];
    if (change) attributes.push(ChangeRequest.of(change));
    this.tx.start(now, { from: this.local, to, method: Method.Binding, attributes, encode: { fingerprint: true }, context: test });
    const what = change ? ` asking for an answer from another ${change.changeIp ? 'address and port' : 'port'} (CHANGE-REQUEST)` : '';
    this.out.note(stunNote('nat-discovery.test', `${this.name}: RFC 5780 ${test}: Binding request to ${formatTransportAddress(to)}${what}`, { test, to: formatTransportAddress(to) }));
  }

  private done(r: TransactionResult<Test>): void {
    const test = r.transaction.request.context!;
    const now = r.at;
    const answered = r.kind === 'response' && r.response.class === 'success';
    const m = answered ? (getAttribute(r.response, XorMappedAddress) ?? getAttribute(r.response, MappedAddress)) : undefined;
    if (m) this.mapped.set(test, m);
    const say = (n: StunNote): void => this.out.note({ ...n, text: `${this.name}: ${n.text}` });
    switch (test) {
      case 'test I': {
        if (!answered || !m) return this.finish({ nat: true, error: answered ? 'no XOR-MAPPED-ADDRESS in the answer' : 'no answer to test I: UDP is blocked or the server is down' });
        this.other = getAttribute(r.response, OtherAddress);
        say(stunNote('nat-discovery.mapped', `test I: the server saw ${formatTransportAddress(m)}${this.other ? `; its other address is ${formatTransportAddress(this.other)}` : ''}`, { test, mapped: formatTransportAddress(m) }));
        if (!this.other) return this.finish({ nat: !sameTransportAddress(m, this.local), mapped: formatTransportAddress(m), error: 'the server sent no OTHER-ADDRESS: it does not support RFC 5780' });
        // RFC 5780 §4.4 filtering test II: ask for the answer from the alternate address and port
        return this.send(now, 'filtering test II', this.primary, { changeIp: true, changePort: true });
      }
      case 'filtering test II':
        if (answered) {
          this.filtering = 'endpoint-independent';
          say(stunNote('nat-discovery.filtering', 'filtering test II answered from another address and port: endpoint-independent filtering', { test, filtering: this.filtering }));
          return this.mappingTests(now);
        }
        say(stunNote('nat-discovery.filtering', 'filtering test II got no answer: the NAT filters by address at least', { test }));
        return this.send(now, 'filtering test III', this.primary, { changeIp: false, changePort: true });
      case 'filtering test III':
        this.filtering = answered ? 'address-dependent' : 'address-and-port-dependent';
        say(
          stunNote(
            'nat-discovery.filtering',
            answered ? 'filtering test III answered from another port: address-dependent filtering' : 'filtering test III got no answer either: address-and-port-dependent filtering',
            { test, filtering: this.filtering },
          ),
        );
        return this.mappingTests(now);
      case 'mapping test II': {
        const m1 = this.mapped.get('test I')!;
        if (!m) return this.finish(this.partial('no answer to mapping test II'));
        if (sameTransportAddress(m, m1)) {
          say(stunNote('nat-discovery.mapping', `mapping test II: the alternate address saw ${formatTransportAddress(m)} too: endpoint-independent mapping`, { test, mapped: formatTransportAddress(m) }));
          return this.finish({ ...this.partial(), mapping: 'endpoint-independent' });
        }
        say(stunNote('nat-discovery.mapping', `mapping test II: the alternate address saw ${formatTransportAddress(m)}, not ${formatTransportAddress(m1)}: the mapping depends on the destination`, { test, mapped: formatTransportAddress(m) }));
        return this.send(now, 'mapping test III', this.other!);
      }
      case 'mapping test III': {
        const m2 = this.mapped.get('mapping test II')!;
        if (!m) return this.finish(this.partial('no answer to mapping test III'));
        const mapping: Behaviour = sameTransportAddress(m, m2) ? 'address-dependent' : 'address-and-port-dependent';
        say(stunNote('nat-discovery.mapping', `mapping test III: ${formatTransportAddress(this.other!)} saw ${formatTransportAddress(m)}: ${mapping} mapping`, { test, mapped: formatTransportAddress(m) }));
        return this.finish({ ...this.partial(), mapping });
      }
    }
  }

  /** RFC 5780 §4.3: with no NAT the mapping tests are moot; otherwise test II goes to A2:P1. */
  private mappingTests(now: Micros): void {
    const m1 = this.mapped.get('test I')!;
    if (sameTransportAddress(m1, this.local)) return this.finish({ ...this.partial(), nat: false, mapping: 'no-nat' });
    this.send(now, 'mapping test II', { ip: this.other!.ip, port: this.primary.port });
  }

  private partial(error?: string): DiscoveryResult {
    const byTest: { [test: string]: string } = {};
    for (const [t, a] of this.mapped) byTest[t] = formatTransportAddress(a);
    const m1 = this.mapped.get('test I');
    return {
      nat: m1 ? !sameTransportAddress(m1, this.local) : true,
      ...(m1 ? { mapped: formatTransportAddress(m1) } : {}),
      ...(this.filtering ? { filtering: this.filtering } : {}),
      ...(error ? { error } : {}),
      mappedByTest: byTest,
    };
  }

  private finish(r: Omit<DiscoveryResult, 'mappedByTest'> & { mappedByTest?: DiscoveryResult['mappedByTest'] }): void {
    const result: DiscoveryResult = { ...this.partial(), ...r };
    this.result = result;
    const text = result.error
      ? `NAT discovery stopped: ${result.error}`
      : result.nat
        ? `NAT discovered: ${result.mapping} mapping, ${result.filtering} filtering (mapped address ${result.mapped})`
        : `no NAT: the server sees the local address ${result.mapped}; ${result.filtering} filtering on the path`;
    this.out.note(stunNote('nat-discovery.result', `${this.name}: ${text}`, { ...resultJson(result) }));
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.size === 0 && !this.started && now >= this.startAt) this.handleTimeout(now);
    const next = this.out.next();
    if (next) return next;
    return nextWake(this.tx.deadline(), this.started ? undefined : { at: this.startAt, reason: 'nat-discovery-start' });
  }
}

export function resultJson(r: DiscoveryResult): StunNoteKinds['nat-discovery.result'] {
  return {
    nat: r.nat,
    mapping: r.mapping ?? null,
    filtering: r.filtering ?? null,
    mapped: r.mapped ?? null,
    ...(r.error ? { error: r.error } : {}),
    mappedByTest: { ...r.mappedByTest },
  };
}
