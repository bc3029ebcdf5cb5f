import type { EngineEvent, EngineEventType } from "../domain/events.ts";

type Handler<T extends EngineEventType> = (event: Extract<EngineEvent, { type: T }>) => void;
type AnyHandler = (event: EngineEvent) => void;

/**
 * Typed, synchronous in-process event bus. Handlers must be cheap and must not throw into the
 * engine: a throwing subscriber is reported through `onError` and the others still run.
 */
export class EventBus {
  readonly #byType = new Map<EngineEventType, Set<AnyHandler>>();
  readonly #all = new Set<AnyHandler>();
  readonly #onError: (err: unknown, event: EngineEvent) => void;

  constructor(onError: (err: unknown, event: EngineEvent) => void = () => {}) {
    this.#onError = onError;
  }

  on<T extends EngineEventType>(type: T, handler: Handler<T>): () => void {
    let set = this.#byType.get(type);
    if (!set) {
      set = new Set();
      this.#byType.set(type, set);
    }
    set.add(handler as AnyHandler);
    return () => set.delete(handler as AnyHandler);
  }

  onAny(handler: AnyHandler): () => void {
    this.#all.add(handler);
    return () => this.#all.delete(handler);
  }

  emit(event: EngineEvent): void {
    const set = this.#byType.get(event.type);
    if (set) for (const h of set) this.#call(h, event);
    for (const h of this.#all) this.#call(h, event);
  }

  #call(h: AnyHandler, event: EngineEvent): void {
    try {
      h(event);
    } catch (err) {
      this.#onError(err, event);
    }
  }
}
