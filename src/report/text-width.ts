/**
 * Estimated width of `text` in px. A chart that is only a string cannot measure glyphs; these per-class
 * advances (em fractions of common sans-serif faces) err wide, so layouts keep their margins.
 */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (".,:;|!il'`jtf() ".includes(ch)) em += 0.36;
    else if ('MWmw@%'.includes(ch)) em += 0.9;
    else if (/[A-Z]/.test(ch)) em += 0.7;
    else if ((ch.codePointAt(0) ?? 0) < 0x250) em += 0.6;
    else em += 1;
  }
  return em * size * (bold ? 1.15 : 1);
}

/** `text`, cut with an ellipsis so its estimated width stays within `max` px. */
export function ellipsize(text: string, max: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= max) return text;
  const chars = [...text];
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, size, bold) > max) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}
