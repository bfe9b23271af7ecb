import { css } from 'lit';

/**
 * The colours of the elements that sit on the host page (`<event-call-button>`,
 * `<call-invite-panel>`, `<call-participants>`), light and dark by `prefers-color-scheme`. Each
 * is a public `--call-*` custom property with a default per scheme; the elements' styles use the
 * private `--_*` names only, so a host sets one property and every element follows. Text pairs
 * keep 4.5:1 in both schemes. (`<video-call-room>` is dark in both and has colours of its own.)
 */
export const theme = css`
  :host {
    --_surface: var(--call-surface-background, #ffffff);
    --_text: var(--call-surface-foreground, #0f172a);
    --_border: var(--call-border-color, #cbd5e1);
    --_subtle: var(--call-subtle-background, #e2e8f0);
    --_subtle-text: var(--call-subtle-foreground, #475569);
    --_muted: var(--call-muted-foreground, #64748b);
    --_accent: var(--call-accent-color, #2563eb);
    --_on-accent: var(--call-accent-foreground, #ffffff);
    --_accent-text: var(--call-accent-text-color, var(--call-accent-color, #2563eb));
    --_live: var(--call-live-color, #15803d);
    --_success-text: var(--call-success-text-color, var(--call-live-color, #15803d));
    --_danger: var(--call-danger-color, #dc2626);
    --_danger-text: var(--call-danger-text-color, var(--call-danger-color, #dc2626));
    --_speaking: var(--call-speaking-color, #16a34a);
    --_focus: var(--call-focus-color, #2563eb);
    --_shadow: var(--call-shadow-color, rgb(15 23 42 / 0.12));
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_surface: var(--call-surface-background, #1e293b);
      --_text: var(--call-surface-foreground, #f1f5f9);
      --_border: var(--call-border-color, #475569);
      --_subtle: var(--call-subtle-background, #334155);
      --_subtle-text: var(--call-subtle-foreground, #cbd5e1);
      --_muted: var(--call-muted-foreground, #94a3b8);
      --_accent-text: var(--call-accent-text-color, #93c5fd);
      --_success-text: var(--call-success-text-color, #86efac);
      --_danger-text: var(--call-danger-text-color, #fca5a5);
      --_speaking: var(--call-speaking-color, #22c55e);
      --_focus: var(--call-focus-color, #93c5fd);
      --_shadow: var(--call-shadow-color, rgb(0 0 0 / 0.5));
    }
  }
`;
