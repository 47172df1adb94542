/** A node of the tiny XML reader below. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Decoded text directly inside this element. */
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (_, e: string) =>
    e.startsWith('#x') || e.startsWith('#X')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number.parseInt(e.slice(1), 10))
        : (entities[e] ?? `&${e};`),
  );

/**
 * A strict reader for the SVG the charts produce (no DOCTYPE, CDATA or comments): it throws on an
 * unbalanced tag, a stray `<` or `&`, or a malformed attribute, which is what escaping bugs look like.
 */
export function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of source.matchAll(token)) {
    const [, closing, name, attrText, selfClosing, text, stray] = m;
    const top = stack.at(-1) as XmlElement;
    if (stray) throw new Error(`stray "<" at ${m.index}: ${source.slice(m.index, m.index + 40)}`);
    if (text !== undefined) {
      if (/&(?!(#\d+|#x[0-9a-f]+|[a-z]+);)/i.test(text)) throw new Error(`unescaped "&" in text: ${text}`);
      if (text.includes('>')) throw new Error(`unescaped ">" in text: ${text}`);
      top.text += decode(text);
      continue;
    }
    if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (/&(?!(#\d+|#x[0-9a-f]+|[a-z]+);)/i.test(a[2] as string))
        throw new Error(`unescaped "&" in ${a[1]}`);
      attrs[a[1] as string] = decode(a[2] as string);
    }
    const element: XmlElement = { name: name as string, attrs, children: [], text: '' };
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  const [only, ...rest] = root.children;
  if (!only || rest.length > 0) throw new Error('expected exactly one root element');
  return only;
}

/** Every element under `root` (itself included), depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

/** Elements with `name` whose class list contains `className` (when given). */
export function select(root: XmlElement, name: string, className?: string): XmlElement[] {
  return allElements(root).filter(
    (e) =>
      e.name === name && (className === undefined || (e.attrs.class ?? '').split(' ').includes(className)),
  );
}

/** Text of an element and its descendants, with `<title>` tooltips left out. */
export function textOf(e: XmlElement): string {
  return (
    e.text +
    e.children
      .filter((c) => c.name !== 'title')
      .map(textOf)
      .join('')
  );
}
