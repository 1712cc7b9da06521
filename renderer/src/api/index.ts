/**
 * How the page reaches the back end: through `window.atlas` inside the desktop app (Electron's
 * preload puts it there), else over the WebSocket of `iommu-atlas serve` that served the page. The
 * page's session cookie (set by the server from the printed address's token) authorises the socket.
 */
import type { AtlasApi } from '../../../main/core/contract/api.ts';
import { WS_PATH } from '../../../main/core/contract/wire.ts';
import { createIpcClient } from './ipc-client.ts';
import { createWsClient, type AtlasConnection } from './ws-client.ts';

export { AtlasCallError } from './errors.ts';
export type { AtlasConnection } from './ws-client.ts';

declare global {
  interface Window {
    /** Present only in the desktop app (preload/preload.ts). */
    atlas?: AtlasApi;
  }
}

/** The API address of the server that served this page: same host and port, ws: for http:. */
export function apiUrl(location: { protocol: string; host: string; search: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // A page opened with ?token= before the cookie was set (cookies off) still authorises its socket.
  const token = new URLSearchParams(location.search).get('token');
  return `${scheme}//${location.host}${WS_PATH}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export function connectAtlas(): AtlasConnection {
  if (window.atlas) return createIpcClient(window.atlas);
  return createWsClient(apiUrl(window.location));
}
