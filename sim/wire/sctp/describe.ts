import type { SctpChunk, SctpParam } from './chunk.ts';
import { chunkTypeName, ppidName, reconfigResultName } from './names.ts';
import { describeCause } from './params.ts';

function streams(list: readonly number[]): string {
  return list.length ? `streams ${list.join(', ')}` : 'all streams';
}

/** One RE-CONFIG parameter as a person reads it (RFC 6525 §4). */
export function describeParamValue(p: SctpParam): string {
  switch (p.kind) {
    case 'outgoing-ssn-reset':
      return `reset outgoing ${streams(p.streams)} (req ${p.requestSeq}, last TSN ${p.lastTsn})`;
    case 'incoming-ssn-reset':
      return `reset incoming ${streams(p.streams)} (req ${p.requestSeq})`;
    case 'ssn-tsn-reset':
      return `SSN/TSN reset (req ${p.requestSeq})`;
    case 'reconfig-response':
      return `response to ${p.responseSeq}: ${reconfigResultName(p.result)}`;
    case 'add-outgoing-streams':
      return `add ${p.count} outgoing streams`;
    case 'add-incoming-streams':
      return `add ${p.count} incoming streams`;
    case 'supported-extensions':
      return `extensions ${p.chunkTypes.map(chunkTypeName).join(', ')}`;
    case 'zero-checksum-acceptable':
      return 'zero checksum acceptable';
    case 'forward-tsn-supported':
      return 'FORWARD-TSN supported';
    default:
      return p.kind;
  }
}

/** A chunk in a packet list: "DATA TSN 12 stream 1 SSN 0 (B E, 5 bytes WebRTC String)", "SACK cum 12 a_rwnd 131072". */
export function describeChunk(c: SctpChunk): string {
  switch (c.kind) {
    case 'DATA': {
      const frag = c.beginning && c.ending ? '' : c.beginning ? ', first fragment' : c.ending ? ', last fragment' : ', middle fragment';
      return `DATA TSN ${c.tsn} stream ${c.streamId}${c.unordered ? ' unordered' : ` SSN ${c.ssn}`} (${c.userData.length} bytes ${ppidName(c.ppid)}${frag})`;
    }
    case 'I-DATA':
      return `I-DATA TSN ${c.tsn} stream ${c.streamId} MID ${c.mid}${c.unordered ? ' unordered' : ''} (${c.userData.length} bytes)`;
    case 'INIT':
    case 'INIT-ACK': {
      const ext = c.params.find((p) => p.kind === 'supported-extensions');
      const bits = [
        `tag 0x${c.initiateTag.toString(16).padStart(8, '0')}`,
        `a_rwnd ${c.arwnd}`,
        `streams ${c.outboundStreams}/${c.inboundStreams}`,
        `TSN ${c.initialTsn}`,
        ...(c.params.some((p) => p.kind === 'forward-tsn-supported') ? ['FORWARD-TSN'] : []),
        ...(ext?.kind === 'supported-extensions' ? [`ext ${ext.chunkTypes.map(chunkTypeName).join('/')}`] : []),
        ...(c.params.some((p) => p.kind === 'zero-checksum-acceptable') ? ['zero checksum'] : []),
        ...(c.params.some((p) => p.kind === 'state-cookie') ? ['cookie'] : []),
      ];
      return `${c.kind} (${bits.join(', ')})`;
    }
    case 'SACK': {
      const gaps = c.gapBlocks.length ? ` gaps ${c.gapBlocks.map((g) => `${(c.cumulativeTsnAck + g.start) >>> 0}–${(c.cumulativeTsnAck + g.end) >>> 0}`).join(',')}` : '';
      const dups = c.duplicateTsns.length ? ` dup ${c.duplicateTsns.join(',')}` : '';
      return `SACK cum ${c.cumulativeTsnAck} a_rwnd ${c.arwnd}${gaps}${dups}`;
    }
    case 'HEARTBEAT':
    case 'HEARTBEAT-ACK':
      return c.kind;
    case 'ABORT':
    case 'ERROR':
      return `${c.kind}${c.causes.length ? ` (${c.causes.map(describeCause).join('; ')})` : ''}`;
    case 'SHUTDOWN':
      return `SHUTDOWN cum ${c.cumulativeTsnAck}`;
    case 'COOKIE-ECHO':
      return `COOKIE-ECHO (${c.cookie.length}-byte cookie)`;
    case 'FORWARD-TSN':
      return `FORWARD-TSN to ${c.newCumulativeTsn}${c.streams.length ? ` (${c.streams.map((s) => `stream ${s.streamId} SSN ${s.ssn}`).join(', ')})` : ''}`;
    case 'I-FORWARD-TSN':
      return `I-FORWARD-TSN to ${c.newCumulativeTsn}`;
    case 'RE-CONFIG':
      return `RE-CONFIG (${c.params.map(describeParamValue).join('; ')})`;
    case 'other':
      return chunkTypeName(c.type);
    default:
      return c.kind;
  }
}
