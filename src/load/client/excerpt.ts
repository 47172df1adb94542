/** Characters of server text kept in an error message. */
export const EXCERPT_CHARS = 300;

/** Control characters (C0, C1), lone surrogates, U+FFFD (undecodable bytes), line/paragraph separators. */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\u2028\u2029\ufffd]/gu;

/**
 * Server text made safe for an error message: whitespace runs folded to one space, at most
 * `max` characters, and nothing unprintable: a body more than a quarter unprintable (compressed, say) is
 * described rather than shown, and stray control characters or undecodable bytes are escaped
 * (`\u001b`, `\ufffd`), so a message never carries binary into a terminal, a log or a JSON file.
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  // Only the head can be shown: bound the work on a huge input.
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const flat = head.replace(/\s+/g, ' ').trim();
  const unprintable = flat.match(UNPRINTABLE)?.length ?? 0;
  if (flat.length >= 16 && unprintable * 4 > flat.length) {
    return `<${text.length} characters of binary data, not shown>`;
  }
  const escaped = flat.replace(
    UNPRINTABLE,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
  if (escaped.length <= max && head.length === text.length) return escaped;
  // Never cut an escape in half.
  let cut = escaped.slice(0, max);
  const partial = cut.lastIndexOf('\\u');
  if (partial > max - 6) cut = cut.slice(0, partial);
  return `${cut}…`;
}
