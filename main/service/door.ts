/**
 * What every door of the back end (Electron IPC, the WebSocket server) does with one request:
 * validate it against the contract, call the service, and answer with the result or an ApiError.
 * A door never throws back across the channel; the other side always gets one of these two shapes.
 */
import { parseRequest, type AtlasApi } from '../core/contract/api.ts';
import type { CallOutcome } from '../core/contract/wire.ts';
import { toApiError } from './service-error.ts';

export async function callThroughDoor(service: Pick<AtlasApi, 'call'>, method: unknown, params: unknown): Promise<CallOutcome> {
  const request = parseRequest(method, params);
  if (!request.ok) return { ok: false, error: request.error };
  try {
    return { ok: true, result: await service.call(request.method, request.params as never) };
  } catch (error) {
    return { ok: false, error: toApiError(error) };
  }
}
