/**
 * What the desktop app's preload gives the page: ONE object, `window.atlas`, implementing the
 * contract's AtlasApi (`call`, `on`) and nothing else — no ipcRenderer, no channel names, no Node.
 * Every request is checked against the contract before it is sent to the main process, every
 * answer and event before the page sees it (Electron security checklist, "Do not expose Electron
 * APIs to untrusted web content": https://www.electronjs.org/docs/latest/tutorial/security#20-do-not-expose-electron-apis-to-untrusted-web-content).
 *
 * Electron's objects come in as parameters (preload.ts passes the real ones), so this file is a
 * plain function that tests drive with an in-process channel.
 */
import type { ContextBridge, IpcRenderer } from 'electron';
import {
  Methods, isEventName, parseRequest, type ApiError, type AtlasApi, type EventName, type EventPayload, type MethodName, type Params, type Result,
  Events,
} from '../main/core/contract/api.ts';
import { CallOutcome, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, WsEvent } from '../main/core/contract/wire.ts';

/** The two ipcRenderer functions the bridge uses (Electron's IpcRenderer has them; a test channel too). */
export type RendererIpc = Pick<IpcRenderer, 'invoke' | 'on'>;
export type Bridge = Pick<ContextBridge, 'exposeInMainWorld'>;

/** The name the page finds the API under: `window.atlas`. */
export const EXPOSED_NAME = 'atlas';

/**
 * Rejections are plain ApiError objects, not Errors: contextBridge copies an Error's message only,
 * a plain object whole, so the page keeps the kind.
 */
function rejection(error: ApiError): ApiError {
  return { kind: error.kind, message: error.message };
}

export function createAtlasBridge(ipc: RendererIpc): AtlasApi {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();

  ipc.on(IPC_EVENT_CHANNEL, (_event, message: unknown) => {
    const framed = WsEvent.safeParse(message);
    if (!framed.success || !isEventName(framed.data.event)) return;
    const name = framed.data.event;
    const payload = Events[name].safeParse(framed.data.payload);
    if (!payload.success) return;
    for (const listener of listeners.get(name) ?? []) {
      try {
        (listener as (payload: unknown) => void)(payload.data);
      } catch {
        // The page's listener failing is the page's problem; the other listeners still hear the event.
      }
    }
  });

  return Object.freeze({
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      const request = parseRequest(method, params);
      if (!request.ok) throw rejection(request.error);
      let outcome: unknown;
      try {
        outcome = await ipc.invoke(IPC_CALL_CHANNEL, { method: request.method, params: request.params });
      } catch (error) {
        throw rejection({ kind: 'internal', message: `the app's back end did not answer: ${error instanceof Error ? error.message : String(error)}` });
      }
      const answer = CallOutcome.safeParse(outcome);
      if (!answer.success) throw rejection({ kind: 'internal', message: `${request.method}: the back end's answer is not a call outcome` });
      if (!answer.data.ok) throw rejection(answer.data.error);
      const result = Methods[request.method].result.safeParse(answer.data.result);
      if (!result.success) throw rejection({ kind: 'internal', message: `${request.method}: the back end answered outside the contract` });
      return result.data as Result<M>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (!isEventName(event)) throw rejection({ kind: 'invalid-request', message: `unknown event ${JSON.stringify(event)?.slice(0, 80)}` });
      if (typeof listener !== 'function') throw rejection({ kind: 'invalid-request', message: `${event}: the listener is not a function` });
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  });
}

/** Puts the API on the page's `window` through the context bridge (the page never sees the preload's world). */
export function exposeAtlas(bridge: Bridge, ipc: RendererIpc): void {
  bridge.exposeInMainWorld(EXPOSED_NAME, createAtlasBridge(ipc));
}
