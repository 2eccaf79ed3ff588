import { lang, tr, trf } from './i18n.ts';

/**
 * The worker's errors and warnings about a file (a capture the reader cannot read, a truncated one, a JSON file that
 * is neither a scenario nor a trace), reworded in the page's language; the worker writes them in English, and what a
 * reader or parser says itself (its problem, with the byte offset) is kept as it said it. Any other message is
 * returned as it is.
 */
export function localizeWorkerError(message: string): string {
  if (lang() === 'en') return message;
  let m = /^(.+) could not be read as pcap or pcapng: it holds no packets$/s.exec(message);
  if (m) return trf('wkNoPackets', { name: m[1]! });
  m = /^(.+) could not be read as pcap or pcapng \((.*)\)$/s.exec(message);
  if (m) return trf('wkNotCapture', { name: m[1]!, problems: problems(m[2]!) });
  m = /^(.+): (\d+) packets read, then (.*)$/s.exec(message);
  if (m) return trf('wkTruncated', { name: m[1]!, n: m[2]!, problems: problems(m[3]!) });
  m = /^(.+) is not JSON: (.*)$/s.exec(message);
  if (m) return trf('wkNotJson', { name: m[1]!, message: m[2]! });
  m = /^(.+) is neither a scenario nor an rtclab trace: (.*)$/s.exec(message);
  if (m) return trf('wkNotScenario', { name: m[1]!, message: m[2]! });
  m = /^(.+) is getStats data: open its capture \(or run its scenario\) first, then drop it beside it$/s.exec(message);
  if (m) return trf('wkStatsFirst', { name: m[1]! });
  m = /^no capture is loaded to apply (.+) to$/s.exec(message);
  if (m) return trf('wkNoCapture', { name: m[1]! });
  return message;
}

/** capture-load.ts's "error at byte N: …; warning at byte M: …", each reworded. */
function problems(list: string): string {
  return list
    .split('; ')
    .map((p) => {
      const m = /^(error|warning) at byte (\d+): (.*)$/s.exec(p);
      return m ? trf(m[1] === 'error' ? 'wkProblemError' : 'wkProblemWarning', { offset: m[2]!, message: m[3]! }) : p;
    })
    .join(tr('wkListSeparator'));
}
