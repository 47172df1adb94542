/** Escaping for the two output languages: SVG/XML text and attributes, and GitHub-flavoured Markdown. */

const xmlEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in XML text and in double- or single-quoted attributes. */
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => xmlEntities[c] as string);

/**
 * Plain text in Markdown: characters that would start emphasis, links, HTML or code are escaped, and
 * line breaks become spaces so one value stays on one line (or in one table cell).
 */
export const escapeMarkdown = (text: string) =>
  text
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]<>#~]/g, (c) => `\\${c}`)
    .trim();

/** Inline code: a fence longer than any run of backticks inside. */
export function code(text: string): string {
  const oneLine = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/** A table cell: pipes escaped (GFM unescapes them before parsing inlines, code spans included). */
export const cell = (markdown: string) => markdown.replace(/\r?\n/g, ' ').replaceAll('|', '\\|');
