/**
 * The page's client of `iommu-atlas serve`: the contract (main/core/contract/api.ts) over one
 * WebSocket, framed as main/core/contract/wire.ts says. Requests are checked before they leave,
 * answers and events when they arrive. The socket opens on first use and again on the next call
 * after it closed; calls in flight when it closes fail with kind "connection".
 */
import { parseRequest, type EventName, type EventPayload, type MethodName, type Params, type Result, type AtlasApi } from '../../../main/core/contract/api.ts';
import { WsEvent, WsResponse } from '../../../main/core/contract/wire.ts';
import { AtlasCallError, EventListeners, checkedResult } from './errors.ts';

/** The part of the WebSocket interface this client uses: the browser's, or the `ws` package's in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** WebSocket.OPEN (HTML Living Standard, "The WebSocket interface"). */
const OPEN = 1;

export interface AtlasConnection extends AtlasApi {
  /** Closes the socket; calls in flight fail, later calls open a new one. */
  close(): void;
}

export interface WsClientOptions {
  /** Default: the page's WebSocket. */
  WebSocket?: WebSocketConstructor;
}

interface Pending {
  method: MethodName;
  resolve: (value: unknown) => void;
  reject: (error: AtlasCallError) => void;
}

/** The address without its query: tokens never go into error messages. */
function describe(url: string): string {
  return url.replace(/\?.*$/, '');
}

export function createWsClient(url: string, options: WsClientOptions = {}): AtlasConnection {
  const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketImpl) throw new AtlasCallError('connection', 'this environment has no WebSocket');
  const pending = new Map<number, Pending>();
  const listeners = new EventListeners();
  let socket: WebSocketLike | null = null;
  let opening: Promise<WebSocketLike> | null = null;
  let nextId = 1;

  const failAll = (why: string) => {
    for (const p of pending.values()) p.reject(new AtlasCallError('connection', why));
    pending.clear();
  };

  const receive = (data: unknown) => {
    let json: unknown;
    try {
      json = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      return;
    }
    const event = WsEvent.safeParse(json);
    if (event.success) return listeners.dispatch(event.data.event, event.data.payload);
    const response = WsResponse.safeParse(json);
    if (!response.success || typeof response.data.id !== 'number') return;
    const waiting = pending.get(response.data.id);
    if (!waiting) return;
    pending.delete(response.data.id);
    if ('error' in response.data) return waiting.reject(new AtlasCallError(response.data.error.kind, response.data.error.message));
    try {
      waiting.resolve(checkedResult(waiting.method, response.data.result));
    } catch (error) {
      waiting.reject(error as AtlasCallError);
    }
  };

  const open = (): Promise<WebSocketLike> => {
    if (socket !== null && socket.readyState === OPEN) return Promise.resolve(socket);
    if (opening !== null) return opening;
    opening = new Promise<WebSocketLike>((resolve, reject) => {
      const ws = new WebSocketImpl(url);
      ws.onopen = () => {
        socket = ws;
        opening = null;
        resolve(ws);
      };
      // An error is always followed by close, which says the rest.
      ws.onerror = () => undefined;
      ws.onclose = () => {
        if (socket === ws) {
          socket = null;
          failAll(`the connection to the IOMMU Atlas back end (${describe(url)}) closed`);
        } else if (opening !== null) {
          opening = null;
          reject(new AtlasCallError('connection', `cannot reach the IOMMU Atlas back end at ${describe(url)} (is \`iommu-atlas serve\` running, and was the page opened from the address it printed?)`));
        }
      };
      ws.onmessage = (event) => receive(event.data);
    });
    return opening;
  };

  return {
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      const request = parseRequest(method, params);
      if (!request.ok) throw new AtlasCallError(request.error.kind, request.error.message);
      const ws = await open();
      const id = nextId++;
      return new Promise<Result<M>>((resolve, reject) => {
        pending.set(id, { method: request.method, resolve: resolve as (value: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method: request.method, params: request.params }));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const off = listeners.add(event, listener);
      // Events flow over the socket: listening opens it (a failure shows on the next call).
      open().catch(() => undefined);
      return off;
    },
    close() {
      const ws = socket;
      socket = null;
      failAll('the connection was closed by the page');
      ws?.close(1000, 'closed by the page');
    },
  };
}
