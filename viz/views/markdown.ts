import { el } from './dom.ts';

/**
 * A small Markdown subset for lesson narratives — `#` headings, paragraphs, `-` lists, `code` and **bold** —
 * rendered by building elements, so a narrative can never inject markup.
 */
export function renderMarkdown(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  const blocks = text.replace(/\r\n/g, '\n').split(/\n\s*\n/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const h = /^(#{1,3})\s+(.*)$/.exec(lines[0]!);
    if (h && lines.length === 1) {
      out.append(inline(el(`h${h[1]!.length + 1}` as 'h2', {}), h[2]!));
      continue;
    }
    if (lines.every((l) => /^\s*-\s+/.test(l) || /^\s{2,}\S/.test(l))) {
      const ul = el('ul');
      let cur: string[] = [];
      const flush = (): void => {
        if (cur.length) ul.append(inline(el('li'), cur.join(' ')));
        cur = [];
      };
      for (const l of lines) {
        if (/^\s*-\s+/.test(l)) {
          flush();
          cur.push(l.replace(/^\s*-\s+/, ''));
        } else cur.push(l.trim());
      }
      flush();
      out.append(ul);
      continue;
    }
    out.append(inline(el('p'), lines.join(' ')));
  }
  return out;
}

/** One paragraph's inline Markdown (`code`, **bold**, *em*) appended to an element (a checkpoint's notice, …). */
export function inline(into: HTMLElement, text: string): HTMLElement {
  const re = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) into.append(text.slice(last, m.index));
    const tok = m[0];
    if (tok.startsWith('`')) into.append(el('code', {}, tok.slice(1, -1)));
    else if (tok.startsWith('**')) into.append(el('strong', {}, tok.slice(2, -2)));
    else into.append(el('em', {}, tok.slice(1, -1)));
    last = m.index! + tok.length;
  }
  if (last < text.length) into.append(text.slice(last));
  return into;
}
