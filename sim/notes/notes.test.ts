import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Note } from '../core/trace.ts';
import { analyzeCapture } from '../infer/story.ts';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { captureToTrace } from '../wire/pcap/capture-to-trace.ts';
import { readCapture } from '../wire/pcap/capture-reader.ts';
import { keptCaptures } from '../../test/golden/compute.ts';
import { isDeclaredKind, NOTE_KINDS_BY_FOLDER } from './index.ts';

// Presets between them writing every folder's notes: NAT, firewall, STUN, RFC 5780, TURN, ICE (with TURN and
// restarts), DTLS, the WebRTC peer, the SFU, signaling and the UDP apps.
const PRESETS = ['nat-expiry', 'nat-hairpin', 'firewall-block-udp', 'nat-discovery-symmetric', 'turn-permission-expiry', 'ice-consent-restart', 'ice-symmetric-turn', 'dtls-mitm-fingerprint-mismatch', 'call-p2p-turn', 'call-sfu'];

function presetNotes(name: string): readonly Note[] {
  const p = listPresets().find((x) => x.name === name);
  if (!p) throw new Error(`no preset ${name}`);
  return runScenario(parseScenario(p.build())).trace.notes;
}

function captureNotes(): Note[] {
  const out: Note[] = [];
  for (const c of keptCaptures()) {
    const capture = readCapture(new Uint8Array(readFileSync(c.file)));
    out.push(...captureToTrace(capture, c.name).notes);
    out.push(...analyzeCapture(capture, c.keylog ? { keyLog: readFileSync(c.keylog, 'utf8') } : {}).notes);
  }
  return out;
}

/** Keys every note of a kind carries. */
function commonKeys(notes: readonly Note[]): Set<string> {
  let keys: Set<string> | undefined;
  for (const n of notes) {
    const k = new Set(Object.keys(n.data ?? {}));
    keys = keys ? new Set([...keys].filter((x) => k.has(x))) : k;
  }
  return keys ?? new Set();
}

// What a capture cannot know of a kind components also write (the notes.ts of each folder says so per field).
const NOT_IN_CAPTURES = new Set(['generation', 'localType', 'remoteType', 'priority', 'foundation', 'role', 'protocol', 'username', 'expected']);

describe('typed notes', () => {
  it('declares every kind in exactly one folder', () => {
    const seen = new Map<string, string>();
    for (const [folder, kinds] of Object.entries(NOTE_KINDS_BY_FOLDER)) {
      for (const kind of Object.keys(kinds)) {
        expect(seen.get(kind), `${kind} declared by ${seen.get(kind)} and ${folder}`).toBeUndefined();
        seen.set(kind, folder);
      }
    }
    expect(seen.size).toBeGreaterThan(100);
  });

  it('gives simulated and inferred notes of one kind the same data fields, and declares every kind written', { timeout: 240_000 }, () => {
    const simulated = PRESETS.flatMap(presetNotes);
    const inferred = captureNotes();
    const undeclared = [...new Set([...simulated, ...inferred].map((n) => n.kind))].filter((k) => !isDeclaredKind(k));
    expect(undeclared).toEqual([]);
    const both = [...new Set(inferred.filter((n) => n.inferred).map((n) => n.kind))].filter((k) => simulated.some((n) => n.kind === k));
    // the kinds a capture infers and components also write: ICE pairs and selection, DTLS state, TURN allocations
    expect(both.sort()).toEqual(['dtls.state', 'ice.pair.state', 'ice.selected', 'turn.allocation.created']);
    for (const kind of both) {
      const want = [...commonKeys(simulated.filter((n) => n.kind === kind))].filter((k) => !NOT_IN_CAPTURES.has(k));
      for (const n of inferred.filter((x) => x.kind === kind)) expect(Object.keys(n.data ?? {}), `${kind} inferred at ${n.source}`).toEqual(expect.arrayContaining(want));
    }
  });
});
