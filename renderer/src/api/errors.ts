/**
 * What the page's clients throw when a call fails, whichever door it went through (WebSocket or
 * Electron IPC): the contract's ApiError as an Error, so `catch (e) { e.kind }` works the same.
 */
import { ApiError, Events, Methods, isEventName, type EventName, type EventPayload, type MethodName, type Result } from '../../../main/core/contract/api.ts';

export class AtlasCallError extends Error {
  constructor(readonly kind: ApiError['kind'], message: string) {
    super(message);
    this.name = 'AtlasCallError';
  }
}

/** Anything a door rejected with, as an AtlasCallError: an ApiError keeps its kind. */
export function asCallError(reason: unknown): AtlasCallError {
  if (reason instanceof AtlasCallError) return reason;
  const error = ApiError.safeParse(reason);
  if (error.success) return new AtlasCallError(error.data.kind, error.data.message);
  return new AtlasCallError('internal', reason instanceof Error ? reason.message : String(reason));
}

/** The back end's answer, checked against the contract before the page uses it. */
export function checkedResult<M extends MethodName>(method: M, value: unknown): Result<M> {
  const checked = Methods[method].result.safeParse(value);
  if (!checked.success) {
    const first = checked.error.issues[0];
    throw new AtlasCallError('internal', `${method}: the back end answered outside the contract (${first ? `${first.path.join('.')}: ${first.message}` : 'schema mismatch'})`);
  }
  return checked.data as Result<M>;
}

/** An event's payload when it is one the contract knows and valid for it; null otherwise (dropped). */
export function checkedEvent(event: unknown, payload: unknown): { event: EventName; payload: EventPayload<EventName> } | null {
  if (!isEventName(event)) return null;
  const checked = Events[event].safeParse(payload);
  return checked.success ? { event, payload: checked.data } : null;
}

/** Listeners per event name, shared by both clients. */
export class EventListeners {
  private readonly byEvent = new Map<EventName, Set<(payload: never) => void>>();

  add<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (!isEventName(event)) throw new AtlasCallError('invalid-request', `unknown event ${JSON.stringify(event)}`);
    let set = this.byEvent.get(event);
    if (!set) this.byEvent.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  get size(): number {
    let n = 0;
    for (const set of this.byEvent.values()) n += set.size;
    return n;
  }

  dispatch(event: unknown, payload: unknown): void {
    const checked = checkedEvent(event, payload);
    if (checked === null) return;
    for (const listener of this.byEvent.get(checked.event) ?? []) {
      try {
        (listener as (payload: unknown) => void)(checked.payload);
      } catch (error) {
        // A failing listener must not starve the others; the page's own error reporting sees it.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
