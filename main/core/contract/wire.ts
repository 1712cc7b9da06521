/**
 * The WebSocket wire format of `iommu-atlas serve` (one JSON text message each way):
 *
 *     → {"id":1,"method":"hosts.list","params":{}}
 *     ← {"id":1,"result":[{"id":"local","label":"This machine",…}]}
 *     ← {"id":2,"error":{"kind":"invalid-request","message":"hosts.remove: id: Invalid string"}}
 *     ← {"event":"collect.progress","payload":{"hostId":"local","message":"this machine: reading pci…"}}
 *
 * Methods, params, results and events are those of api.ts; this file only frames them.
 */
import { z } from 'zod';
import { ApiError } from './api.ts';

/**
 * The largest message either side sends: an import of pasted outputs (api.ts ImportFile allows a
 * 64 MiB text) plus JSON escaping. Larger messages close the connection (RFC 6455 close code 1009).
 */
export const MAX_WS_MESSAGE_BYTES = 80 * 1024 * 1024;

/** Requests a connection may have in flight at once; more are answered with an error, not queued. */
export const MAX_WS_REQUESTS_IN_FLIGHT = 32;

export const WS_PATH = '/api';

export const WsRequestId = z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(64)]);

export const WsRequest = z.object({ id: WsRequestId, method: z.string().max(64), params: z.unknown() });

export const WsResponse = z.union([
  z.object({ id: WsRequestId, result: z.unknown() }).strict(),
  /** `id` null: the message was not a request at all, so there is nothing to answer it by. */
  z.object({ id: WsRequestId.nullable(), error: ApiError }).strict(),
]);
export type WsResponse = z.infer<typeof WsResponse>;

export const WsEvent = z.object({ event: z.string(), payload: z.unknown() }).strict();

/**
 * Electron IPC: the preload invokes CALL with `{method, params}` and gets a CallOutcome back (never
 * a thrown error: Electron would flatten it to a string); the main process sends every event on EVENT.
 */
export const IPC_CALL_CHANNEL = 'atlas:call';
export const IPC_EVENT_CHANNEL = 'atlas:event';

export const IpcRequest = z.object({ method: z.string().max(64), params: z.unknown() });

export const CallOutcome = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiError }),
]);
export type CallOutcome = z.infer<typeof CallOutcome>;
