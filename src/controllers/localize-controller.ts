/**
 * Gives an element `t(key)` in its language: its own `lang`, else the nearest ancestor's (across
 * shadow roots), else the document's. Re-renders it when any `lang` in the page changes or a
 * host registers new strings.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { onStringsChanged, resolveLang, translate, type StringKey } from '../i18n/index.ts';

type Host = ReactiveControllerHost & HTMLElement;

/** The language an element inherits: the nearest non-empty `lang` above it, shadow hosts included. */
export function inheritedLang(element: Element): string {
  let from = element.parentElement ?? shadowHostOf(element);
  while (from) {
    const scoped = from.closest('[lang]:not([lang=""])');
    if (scoped) return scoped.getAttribute('lang')!;
    from = shadowHostOf(from);
  }
  return document.documentElement.lang;
}

/** The element whose shadow root holds `node`, or null in the document itself. */
function shadowHostOf(node: Node): Element | null {
  const root = node.getRootNode();
  return root instanceof ShadowRoot ? root.host : null;
}

// One observer for the whole page: a `lang` changed anywhere re-renders every element.
const hosts = new Set<Host>();
let observer: MutationObserver | undefined;

function watchLang(host: Host): void {
  hosts.add(host);
  if (observer) return;
  observer = new MutationObserver(() => {
    for (const element of hosts) element.requestUpdate();
  });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'], subtree: true });
}

function unwatchLang(host: Host): void {
  hosts.delete(host);
  if (hosts.size || !observer) return;
  observer.disconnect();
  observer = undefined;
}

export class LocalizeController implements ReactiveController {
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly host: Host) {
    host.addController(this);
  }

  /** The catalog language in use: the element's `lang`, else the nearest `lang` up the tree, else the document's. */
  get lang(): string {
    return resolveLang(this.host.lang || inheritedLang(this.host));
  }

  /** The string for `key` in the current language; bound, so `const t = this.localize.t` works. */
  readonly t = (key: StringKey, values?: Record<string, string | number>): string => translate(this.lang, key, values);

  hostConnected(): void {
    watchLang(this.host);
    this.#unsubscribe = onStringsChanged(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    unwatchLang(this.host);
    this.#unsubscribe?.();
  }
}
