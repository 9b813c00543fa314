/** Builds elements whose text is always set with `textContent`: run data never becomes markup. */

export interface ElementSpec {
  className?: string;
  text?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, spec: ElementSpec = {}, children: ReadonlyArray<Node> = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (spec.className) element.className = spec.className;
  if (spec.text !== undefined) element.textContent = spec.text;
  for (const [name, value] of Object.entries(spec.attrs ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A table in its own horizontally scrolling box (see `scrollBox`). */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>, caption: string): HTMLElement {
  return scrollBox(
    el('table', {}, [
      el('caption', { text: caption }),
      el('thead', {}, [
        el(
          'tr',
          {},
          headers.map((h) => el('th', { text: h, attrs: { scope: 'col' } })),
        ),
      ]),
      el(
        'tbody',
        {},
        rows.map((row) =>
          el(
            'tr',
            {},
            row.map((cell, i) => el(i === 0 ? 'th' : 'td', { text: cell, ...(i === 0 ? { attrs: { scope: 'row' } } : {}) })),
          ),
        ),
      ),
    ]),
  );
}

/**
 * A table wider than its column scrolls inside this box rather than spilling over the next
 * section; focusable, so a keyboard user can scroll it too.
 */
export function scrollBox(content: HTMLTableElement): HTMLElement {
  return el('div', { className: 'table-scroll', attrs: { tabindex: '0', role: 'region', 'aria-label': content.caption?.textContent ?? 'Table' } }, [content]);
}

/** Rewriting a node's text invalidates its style and layout even when the text is the same: unchanged text is left alone. */
export function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

export const percent = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(1)}%`);
export const number = (value: number | null | undefined, digits = 4): string =>
  value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toPrecision(digits);
