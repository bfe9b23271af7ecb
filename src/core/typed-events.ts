/**
 * `EventTarget` with typed `CustomEvent` details, so hosts get autocompletion on
 * `session.addEventListener('state', (event) => event.detail…)` without a framework.
 */
export class TypedEventTarget<Events extends object> extends EventTarget {
  /** Dispatches `type` with `detail`. */
  protected emit<K extends keyof Events & string>(type: K, detail: Events[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Adds a listener for `type` and returns the function that removes it. */
  on<K extends keyof Events & string>(type: K, listener: (detail: Events[K]) => void, options?: AddEventListenerOptions): () => void {
    const wrapped = (event: Event) => listener((event as CustomEvent<Events[K]>).detail);
    this.addEventListener(type, wrapped, options);
    return () => this.removeEventListener(type, wrapped, options);
  }
}
