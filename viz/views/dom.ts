/**
 * Tiny DOM helpers. Text always goes in with textContent: nothing from a packet, capture, scenario or lesson is
 * ever parsed as HTML.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

export function clear(e: Element): void {
  e.replaceChildren();
}

export function emptyState(title: string, body: string): HTMLElement {
  return el('div', { class: 'empty' }, el('strong', {}, title), el('p', {}, body));
}
