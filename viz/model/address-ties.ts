import { isNoteOf } from '../../sim/core/note.ts';
import type { Note } from '../../sim/core/trace.ts';
import { INFER_NOTE_KINDS } from '../../sim/infer/notes.ts';
import { typedNotes } from '../../sim/notes/index.ts';
import { TIE_EVIDENCE, type TieEvidence } from '../../sim/infer/analyzer.ts';
import { TIE_NOTE, tieChains } from '../../sim/infer/ties.ts';

/** One address tie inferred from a capture, as its note says it (the note's text carries the evidence in words). */
export interface AddressTie {
  readonly inside: string;
  readonly outside: string;
  readonly evidence: TieEvidence;
  readonly note: Note;
}

/** The ties of one kind of evidence, as `rtclab dissect --summary` groups them under "Addresses tied together". */
export interface AddressTieGroup {
  readonly evidence: TieEvidence;
  /** "seen rewritten on the wire (the same datagram on both sides of a NAT)" */
  readonly heading: string;
  /** Rewrites chained through nested NATs (inside → … → outside); one tie per row for the other kinds. */
  readonly rows: readonly (readonly AddressTie[])[];
}

const EVIDENCE_ORDER: readonly TieEvidence[] = ['rewritten', 'reflexive', 'relayed'];

/**
 * The addresses a capture's inference tied together by the moment `t` (µs), read from its inferred notes: a NAT
 * seen rewriting a datagram (a multi-link export or a capture on a NAT box), a reflexive address a STUN server
 * reported, a relayed address a TURN server allocated. The same grouping and chains as `--summary`.
 */
export function addressTiesAt(notes: readonly Note[], t = Infinity): AddressTieGroup[] {
  const ties: AddressTie[] = [];
  // the note kinds the capture analyzer ties addresses with (sim/infer/notes.ts)
  for (const n of typedNotes(notes)) {
    if (n.t > t) break;
    if (!n.inferred || !isNoteOf(INFER_NOTE_KINDS, n)) continue;
    ties.push({ inside: n.data.inside, outside: n.data.outside, evidence: n.data.evidence, note: n });
  }
  const out: AddressTieGroup[] = [];
  for (const evidence of EVIDENCE_ORDER) {
    const of = ties.filter((x) => x.evidence === evidence);
    if (!of.length) continue;
    const rows = evidence === 'rewritten' ? tieChains(of) : of.map((x) => [x]);
    out.push({ evidence, heading: `${TIE_EVIDENCE[evidence]}${TIE_NOTE[evidence]}`, rows });
  }
  return out;
}

/** A row as text: "10.0.1.10:54635 → 100.64.0.42:54635 → 203.0.113.10:10725". */
export function tieRowText(row: readonly AddressTie[]): string {
  return [row[0]?.inside ?? '', ...row.map((x) => x.outside)].join(' → ');
}
