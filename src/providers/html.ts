/**
 * HTML bodies (Freshdesk `body`, Help Scout thread `body`, RT HTML content) to plain text and back.
 * The text direction lives in src/domain/text.ts, shared with the capabilities above the providers.
 */

export { htmlToText, normalizeText } from '../domain/text.js';

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A plain-text body as the HTML the helpdesks expect: paragraphs on blank lines, <br> on single
 * line breaks. Text that already looks like HTML is sent as it is.
 */
export function textToHtml(text: string): string {
  if (/<(p|div|br|a|b|i|strong|em|ul|ol|li|span|table)\b[^>]*>/i.test(text)) return text;
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .map((para) => `<p>${escapeHtml(para).replace(/\n/g, '<br>')}</p>`)
    .join('');
}
