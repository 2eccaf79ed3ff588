/**
 * `rtclab/vitest`: matchers for runs (`ScenarioRun`, from `run()`), installed by importing this module:
 *
 *   import 'rtclab/vitest';
 *   expect(run(s)).toConnect({ via: 'relay', transport: 'udp', within: '2s' });
 *
 * Failure messages say what was expected and what the run shows, quote the diagnosis when one is installed
 * (`setDiagnoser`) and the hops that matter (dissected, with drop reasons).
 */
import { expect } from 'vitest';
import type { CandidateType } from '../sim/sweep/outcome.ts';
import { checkConnected, checkDropped, checkFailed, checkMedia, checkNatMapping, checkSrtp, isRun, type ConnectExpectation, type DropExpectation, type MappingExpectation, type MatchResult } from './matchers.ts';
import type { ScenarioRun } from './run.ts';

export type { ConnectExpectation, DropExpectation, MappingExpectation, CandidateType };

export interface RtclabMatchers<R = unknown> {
  /** Every ICE agent (or `host`'s) connected, via these candidate types, over this transport, by this virtual time. */
  toConnect(expected?: ConnectExpectation): R;
  /** An ICE agent (or `host`'s) ended without connecting. */
  toFailToConnect(host?: string): R;
  /** A hop was dropped for `reason` ("loss", "NAT filtering", a RegExp …). */
  toDropPacket(reason: string | RegExp, expected?: DropExpectation): R;
  /** A NAT created a mapping (on `nat`, for `internal`). */
  toCreateNatMapping(expected?: MappingExpectation): R;
  /** Media arrived, and at most this fraction of it was lost (RFC 3550 cumulative loss over every received stream). */
  toDeliverMedia(expected: { readonly maxLoss: number }): R;
  /** Every DTLS endpoint connected and negotiated an SRTP protection profile (this one, when given: RFC 5764 §4.1.2 names). */
  toNegotiateSrtp(profile?: string): R;
  /** The run's trace digest (pcapng and trace JSON SHA-256) equals `expected`, or its snapshot when none is given. */
  toMatchTraceDigest(expected?: { readonly pcapng: string; readonly trace: string }): R;
}

declare module 'vitest' {
  // the type parameter must be declared as vitest declares it (`T = any`) for the interfaces to merge
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends RtclabMatchers<T> {}
}

function need(received: unknown, name: string): ScenarioRun {
  if (!isRun(received)) throw new TypeError(`${name} expects the result of rtclab's run(), got ${received === null ? 'null' : typeof received}`);
  return received;
}

function result(r: MatchResult): { pass: boolean; message: () => string } {
  return { pass: r.pass, message: () => r.message };
}

/** The matchers, to install yourself with `expect.extend(rtclabMatchers)` (importing this module already does). */
export const rtclabMatchers = {
  toConnect(received: unknown, expected?: ConnectExpectation) {
    return result(checkConnected(need(received, 'toConnect'), expected));
  },
  toFailToConnect(received: unknown, host?: string) {
    return result(checkFailed(need(received, 'toFailToConnect'), host));
  },
  toDropPacket(received: unknown, reason: string | RegExp, expected?: DropExpectation) {
    return result(checkDropped(need(received, 'toDropPacket'), reason, expected));
  },
  toCreateNatMapping(received: unknown, expected?: MappingExpectation) {
    return result(checkNatMapping(need(received, 'toCreateNatMapping'), expected));
  },
  toDeliverMedia(received: unknown, expected: { readonly maxLoss: number }) {
    return result(checkMedia(need(received, 'toDeliverMedia'), expected));
  },
  toNegotiateSrtp(received: unknown, profile?: string) {
    return result(checkSrtp(need(received, 'toNegotiateSrtp'), profile));
  },
  toMatchTraceDigest(received: unknown, expected?: { readonly pcapng: string; readonly trace: string }) {
    const digest = need(received, 'toMatchTraceDigest').digest();
    if (expected === undefined) {
      // a snapshot of the digest: vitest's own snapshot machinery stores and compares it (`-u` updates it)
      expect(digest).toMatchSnapshot();
      return { pass: true, message: () => 'expected the trace digest not to match its snapshot' };
    }
    const pass = digest.pcapng === expected.pcapng && digest.trace === expected.trace;
    return {
      pass,
      message: () =>
        pass
          ? `expected the trace digest to differ from ${JSON.stringify(expected)}`
          : `expected trace digest ${JSON.stringify(expected)}, got ${JSON.stringify(digest)}: the run is not byte-identical to the one pinned`,
    };
  },
};

expect.extend(rtclabMatchers);
