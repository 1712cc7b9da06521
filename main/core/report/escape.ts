/**
 * Escaping for text and attribute values in HTML and SVG (HTML Living Standard §13.1.2.6 and XML
 * 1.0 §2.4): `&`, `<`, `>` and both quotes, so any device name, log line or placeholder is inert.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/;
const SPECIAL_ALL = /[&<>"']/g;

export function escapeXml(text: string): string {
  // Most strings (addresses, ids, drivers) need nothing: test first, replace only when needed.
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ENTITIES[c]!) : text;
}
