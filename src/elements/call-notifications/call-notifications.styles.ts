import { css } from 'lit';

export const styles = css`
  :host {
    --_radius: var(--call-radius, 8px);
    display: inline-block;
    position: relative;
    font-family: var(--call-font-family, inherit);
    font-size: 0.875rem;
    color: var(--_text);
  }
  [hidden] {
    display: none !important;
  }
  .bell {
    display: inline-flex;
    align-items: center;
    gap: 8px;
    min-height: 40px;
    min-width: 40px;
    justify-content: center;
    padding: 8px 12px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
  }
  :host([compact]) .bell {
    padding: 8px;
  }
  .bell[aria-pressed='true'] {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .bell[aria-disabled='true'] {
    cursor: default;
    color: var(--_muted);
  }
  .bell[aria-busy='true'] {
    cursor: progress;
  }
  .bell.state-denied,
  .bell.state-error {
    color: var(--_danger-text);
  }
  .bell:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .bell.state-working svg {
    animation: ring 1s ease-in-out infinite;
  }
  @keyframes ring {
    50% {
      transform: rotate(12deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .bell.state-working svg {
      animation: none;
    }
  }
  .message {
    position: absolute;
    z-index: 10;
    top: calc(100% + 6px);
    right: 0;
    box-sizing: border-box;
    width: max-content;
    max-width: min(320px, calc(100vw - 24px));
    padding: 10px 12px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    box-shadow: 0 8px 24px var(--_shadow);
    font-weight: 400;
    line-height: 1.4;
  }
  .message.none {
    padding: 0;
    border: 0;
    box-shadow: none;
  }
  .message p {
    margin: 0;
  }
  .message.error p:first-child,
  .message.help p:first-child {
    color: var(--_danger-text);
    font-weight: 600;
  }
  .message .detail {
    margin-top: 4px;
    color: var(--_muted);
    font-size: 0.8125rem;
    overflow-wrap: anywhere;
  }
  .message .help {
    margin-top: 6px;
    color: var(--_text);
  }
`;
