/**
 * Text helpers shared by every layer: HTML fragments to plain text, and the comparable form of a
 * message body that bulk, follow-ups, triage and the providers use to recognise a reply already sent.
 * Small and dependency-free: enough for the markup helpdesks produce, not a general HTML parser.
 */

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, name: string) => {
    const lower = name.toLowerCase();
    if (lower in ENTITIES) return ENTITIES[lower]!;
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return m;
  });
}

/** Plain text of an HTML fragment: block elements and <br> become line breaks, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html.trim();
  const text = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote|pre)>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]+>/g, '');
  return decodeEntities(text)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Whitespace folded to single spaces and trimmed: for comparing bodies that went through HTML and back. */
export const normalizeText = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** A body as compared across helpdesks: HTML reduced to text, entities decoded, whitespace folded. */
export const comparableText = (s: string): string => normalizeText(htmlToText(s));
