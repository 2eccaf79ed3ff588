import type { JsonValue } from '../core/trace.ts';
import type { Diagnosis, Evidence, Finding } from './types.ts';

function refs(e: Evidence): string {
  const parts: string[] = [];
  if (e.hops.length) parts.push(`hops ${e.hops.slice(0, 8).map((h) => `#${h}`).join(' ')}${e.hops.length > 8 ? ` … (${e.hops.length})` : ''}`);
  if (e.notes.length) parts.push(`notes ${e.notes.slice(0, 8).map((n) => `#${n}`).join(' ')}${e.notes.length > 8 ? ` … (${e.notes.length})` : ''}`);
  return parts.length ? ` [${parts.join('; ')}]` : '';
}

/**
 * The diagnosis as printed lines (`rtclab run`, `rtclab dissect --summary`): nothing at all when there is no
 * finding, so the output of a run that worked is what it always was. Evidence are trace indices: `#n` hops and notes
 * as `--trace` writes them (a capture's hop is its packet number minus one).
 */
export function formatDiagnosis(d: Diagnosis, indent = '  '): string[] {
  if (d.findings.length === 0) return [];
  const failures = d.findings.filter((f) => f.severity === 'failure').length;
  const lines = [`${indent}diagnosis: ${failures} failure(s), ${d.findings.length - failures} degradation(s)`];
  for (const f of d.findings) {
    lines.push(`${indent}  ${f.severity === 'failure' ? 'FAILURE' : 'degraded'} ${f.cause} (${f.subject}): ${f.text}${refs(f.evidence)}`);
    for (const x of f.details) lines.push(`${indent}      - ${x.text}${refs(x.evidence)}`);
    lines.push(`${indent}      fix: ${f.fix}`);
  }
  return lines;
}

function evidenceJson(e: Evidence): JsonValue {
  return { hops: [...e.hops], notes: [...e.notes] };
}

export function findingToJson(f: Finding): JsonValue {
  return {
    cause: f.cause,
    severity: f.severity,
    subject: f.subject,
    t: f.t,
    text: f.text,
    evidence: evidenceJson(f.evidence),
    fix: f.fix,
    details: f.details.map((x) => ({ text: x.text, evidence: evidenceJson(x.evidence) })),
  };
}

/** The `--json` form: the findings as data (docs/diagnosis.md). */
export function diagnosisToJson(d: Diagnosis): JsonValue {
  return d.findings.map(findingToJson);
}
