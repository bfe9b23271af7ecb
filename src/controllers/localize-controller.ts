/**
 * Gives an element `t(key)` in the language of its `lang` attribute, else the document's, and
 * re-renders it when either changes or a host registers new strings.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { onStringsChanged, resolveLang, translate, type StringKey } from '../i18n/index.ts';

type Host = ReactiveControllerHost & HTMLElement;

export class LocalizeController implements ReactiveController {
  #observer: MutationObserver | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly host: Host) {
    host.addController(this);
  }

  /** The catalog language in use: the element's `lang`, else the nearest `lang` up the tree. */
  get lang(): string {
    const own = this.host.getAttribute('lang');
    if (own) return resolveLang(own);
    const scoped = this.host.closest('[lang]')?.getAttribute('lang');
    return resolveLang(scoped ?? document.documentElement.lang);
  }

  /** The string for `key` in the current language; bound, so `const t = this.localize.t` works. */
  readonly t = (key: StringKey, values?: Record<string, string | number>): string => translate(this.lang, key, values);

  hostConnected(): void {
    this.#observer = new MutationObserver(() => this.host.requestUpdate());
    this.#observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
    this.#unsubscribe = onStringsChanged(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#unsubscribe?.();
  }
}
