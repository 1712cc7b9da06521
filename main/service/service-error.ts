/**
 * Errors as they cross a door of the app (IPC, WebSocket): always an `ApiError` (a kind the UI acts
 * on and a message for the person), never a stack trace or an exception object of the back end.
 */
import type { ApiError } from '../core/contract/api.ts';
import { InputError } from '../io/import.ts';
import { TransportError } from '../io/transport.ts';

/** A failure the service reports on purpose, with the kind the UI needs to react to it. */
export class ServiceError extends Error {
  constructor(readonly kind: ApiError['kind'], message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** What a failed call answers: the service's own errors keep their kind; transports and imports are mapped. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ServiceError) return { kind: error.kind, message: error.message };
  if (error instanceof TransportError) {
    if (error.kind === 'host-key-unknown' || error.kind === 'host-key-changed') return { kind: 'host-key', message: error.message };
    // A bad target or ~/.ssh/config is something the person fixes, like a bad file.
    if (error.kind === 'config') return { kind: 'input', message: error.message };
    return { kind: 'connection', message: error.message };
  }
  if (error instanceof InputError) return { kind: 'input', message: error.message };
  // Anything else is our bug: the message only, never the stack.
  return { kind: 'internal', message: `internal error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500) };
}
