/**
 * The Content Security Policy of the app's page, the same for the browser (`serve`) and the desktop
 * window (the `app://atlas/` protocol): only the app's own scripts, styles and workers, nothing
 * inline, no plugins, no framing, no <base>, no form posts. CSP Level 3 (https://www.w3.org/TR/CSP3/).
 */
import { createHash } from 'node:crypto';

/**
 * Cytoscape.js inserts one <style> element into the page the first time it renders
 * (src/extensions/renderer/base/index.mjs, BaseRenderer.init: `stylesheet.textContent = '.' +
 * className + ' { position: relative; }'`). Its hash admits exactly that text and nothing else, so
 * style-src needs no 'unsafe-inline'.
 */
export const CYTOSCAPE_CONTAINER_STYLE = '.__________cytoscape_container { position: relative; }';

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** `connectSources`: where the page may connect besides itself, e.g. `ws://127.0.0.1:7311` for the API. */
export function contentSecurityPolicy(connectSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' ${sha256Source(CYTOSCAPE_CONTAINER_STYLE)}`,
    // data: and blob: for images the page makes itself (graph snapshots to save).
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectSources].join(' ')}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
