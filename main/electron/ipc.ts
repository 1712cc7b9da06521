/**
 * The Electron door of the back end: `ipcMain.handle(IPC_CALL_CHANNEL, …)` answers with a
 * CallOutcome after checking the sender (only the app's own top-level page) and the request
 * (through the same door as the WebSocket server: service/door.ts); events go to the window on
 * one channel. The Electron objects are passed in, so these are plain functions under test.
 */
import { IpcRequest, type CallOutcome } from '../core/contract/wire.ts';
import type { AtlasService, EventListener } from '../service/atlas-service.ts';
import { callThroughDoor } from '../service/door.ts';
import { isTrustedSender, type SenderFrame } from './security.ts';

/** The part of IpcMainInvokeEvent the handler reads. */
export interface InvokeEvent {
  senderFrame: SenderFrame | null;
}

export function createCallHandler(service: Pick<AtlasService, 'call'>): (event: InvokeEvent, request: unknown) => Promise<CallOutcome> {
  return async (event, request) => {
    if (!isTrustedSender(event.senderFrame)) {
      return { ok: false, error: { kind: 'invalid-request', message: 'refused: the request did not come from the app\'s own page' } };
    }
    const parsed = IpcRequest.safeParse(request);
    if (!parsed.success) return { ok: false, error: { kind: 'invalid-request', message: 'expected {"method", "params"}' } };
    return callThroughDoor(service, parsed.data.method, parsed.data.params);
  };
}

/** Sends every service event to the page as `{event, payload}`; returns the unsubscribe function. */
export function forwardEvents(service: Pick<AtlasService, 'subscribe'>, send: (message: { event: string; payload: unknown }) => void): () => void {
  const listener: EventListener = (event, payload) => send({ event, payload });
  return service.subscribe(listener);
}
