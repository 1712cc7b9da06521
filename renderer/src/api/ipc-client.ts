/**
 * The page's client inside the desktop app: the contract through `window.atlas`, the one object
 * the preload exposes (preload/atlas-bridge.ts). The preload already checks requests and events;
 * this side checks again, because the page must not trust what crosses a boundary either, and so
 * that both clients fail the same way (AtlasCallError with the contract's kind).
 */
import { parseRequest, type AtlasApi, type EventName, type EventPayload, type MethodName, type Params, type Result } from '../../../main/core/contract/api.ts';
import { AtlasCallError, EventListeners, asCallError, checkedResult } from './errors.ts';
import type { AtlasConnection } from './ws-client.ts';

export function createIpcClient(bridge: AtlasApi): AtlasConnection {
  const listeners = new EventListeners();
  const bridged = new Map<EventName, () => void>();

  return {
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      const request = parseRequest(method, params);
      if (!request.ok) throw new AtlasCallError(request.error.kind, request.error.message);
      let result: unknown;
      try {
        result = await bridge.call(request.method, request.params as Params<M>);
      } catch (reason) {
        throw asCallError(reason);
      }
      return checkedResult(request.method as M, result);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const off = listeners.add(event, listener);
      // One subscription through the bridge per event name, however many listeners the page adds.
      if (!bridged.has(event)) bridged.set(event, bridge.on(event, (payload) => listeners.dispatch(event, payload)));
      return off;
    },
    close() {
      for (const off of bridged.values()) off();
      bridged.clear();
    },
  };
}
