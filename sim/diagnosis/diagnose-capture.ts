import type { Note } from '../core/trace.ts';
import { CaptureAnalyzer } from '../infer/analyzer.ts';
import { CaptureFeed } from '../pass/capture-feed.ts';
import { DissectionPass } from '../pass/pass.ts';
import type { Capture } from '../wire/pcap/capture.ts';
import { CaptureFactsObserver } from './capture-facts.ts';
import { diagnose } from './diagnose.ts';
import type { Diagnosis } from './types.ts';

/** A capture read whole, dissected once with inference and the facts the diagnosis needs, then diagnosed. */
export function diagnoseCapture(capture: Capture, keyLog?: string): { diagnosis: Diagnosis; notes: readonly Note[]; packets: number } {
  const pass = new DissectionPass(keyLog ? { keyLog, spans: false } : { spans: false });
  const analyzer = new CaptureAnalyzer(pass.dissector.flows);
  const facts = new CaptureFactsObserver();
  pass.observe(analyzer).observe(facts);
  new CaptureFeed(pass).all(capture);
  const notes = analyzer.finish(pass.lastT);
  return { diagnosis: diagnose({ meta: { source: 'capture' }, nodes: [], links: [], hops: [], notes, capture: facts.facts }), notes, packets: pass.count };
}
