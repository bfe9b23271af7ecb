import { css } from 'lit';

export const styles = css`
  :host {
    --_radius: var(--call-radius, 8px);
    display: block;
    position: relative;
    font-family: var(--call-font-family, inherit);
    font-size: 0.875rem;
  }
  [hidden] {
    display: none !important;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  button {
    font: inherit;
    cursor: pointer;
  }
  button:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .main,
  .manage {
    display: inline-flex;
    align-items: center;
    gap: 8px;
    min-height: 40px;
    padding: 8px 14px;
    border-radius: var(--_radius);
    font-weight: 600;
  }
  .main {
    border: 0;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .main.state-live {
    background: var(--_live);
  }
  .main.state-ended,
  .main.state-error {
    background: var(--_surface);
    color: var(--_accent-text);
    box-shadow: inset 0 0 0 1px currentColor;
  }
  .main[disabled] {
    cursor: default;
    background: var(--_subtle);
    color: var(--_subtle-text);
    box-shadow: none;
  }
  .main.state-loading[disabled] {
    cursor: progress;
  }
  .main svg,
  .manage svg {
    width: 18px;
    height: 18px;
    flex: none;
  }
  .manage {
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
    font-weight: 500;
  }
  .manage[aria-expanded='true'] {
    background: var(--_subtle);
  }
  .hint {
    margin: 6px 0 0;
    color: var(--_muted);
    font-size: 0.8125rem;
  }
  .hint.error {
    color: var(--_danger-text);
  }
  /* Invitations went out, but not on every channel. */
  .hint.partial {
    color: var(--_text);
  }
  .answer {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px 10px;
    margin-top: 8px;
  }
  .answer-label {
    color: var(--_text);
    font-weight: 500;
  }
  .options {
    display: inline-flex;
    flex-wrap: wrap;
    gap: 6px;
  }
  .option {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    min-height: 36px;
    min-width: 44px;
    justify-content: center;
    padding: 4px 12px;
    border: 1px solid var(--_border);
    border-radius: 999px;
    background: var(--_surface);
    color: var(--_text);
  }
  .option svg {
    width: 16px;
    height: 16px;
  }
  .option .spinner {
    width: 12px;
    height: 12px;
  }
  /* The chosen answer: filled, with a check (not colour alone). */
  .option[aria-pressed='true'] {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
  }
  .option[aria-disabled='true'] {
    cursor: progress;
  }
  .spinner {
    width: 16px;
    height: 16px;
    border-radius: 50%;
    border: 2px solid currentColor;
    border-right-color: transparent;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation-duration: 2.4s;
    }
  }
  call-invite-panel {
    margin-top: 8px;
    max-width: 420px;
  }
  .close,
  .minimise {
    display: grid;
    place-items: center;
    width: 32px;
    height: 32px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: inherit;
  }
  .close:hover {
    background: var(--_subtle);
  }
  .minimise:hover {
    background: var(--call-control-background, rgb(255 255 255 / 0.12));
  }
  .minimise {
    width: 44px;
    height: 44px;
  }
  .close svg,
  .minimise svg {
    width: 18px;
    height: 18px;
  }
  .inline-room {
    margin-top: 12px;
  }
  .inline-room video-call-room {
    min-height: 360px;
  }
  dialog {
    width: min(960px, 100vw - 16px);
    max-height: calc(100dvh - 16px);
    padding: 0;
    border: 0;
    border-radius: 12px;
    background: var(--call-background, #0f172a);
    color: var(--call-foreground, #f8fafc);
    /* A faint ring: on a dark page the dark dialog's edge was lost in the backdrop. */
    box-shadow: 0 0 0 1px rgb(255 255 255 / 0.14);
    overflow: hidden;
  }
  dialog::backdrop {
    background: var(--call-backdrop-color, rgb(15 23 42 / 0.6));
  }
  dialog header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 8px 8px 8px 16px;
  }
  dialog h2 {
    margin: 0;
    font-size: 1rem;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  dialog video-call-room {
    height: min(640px, calc(100dvh - 80px));
    border-radius: 0;
  }
  .call-bar {
    position: fixed;
    z-index: 2147483000;
    left: 0;
    right: 0;
    bottom: 16px;
    width: fit-content;
    margin: 0 auto;
    display: flex;
    align-items: center;
    gap: 8px;
    max-width: calc(100vw - 16px);
    padding: 8px 8px 8px 16px;
    border-radius: 999px;
    background: var(--call-background, #0f172a);
    color: var(--call-foreground, #f8fafc);
    box-shadow: 0 8px 24px var(--call-shadow-color, rgb(15 23 42 / 0.35));
  }
  .call-bar-title {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 600;
  }
  .call-bar button {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    flex: none;
    min-height: 44px;
    padding: 0 14px;
    border: 0;
    border-radius: 999px;
    font-weight: 600;
  }
  .call-bar-return {
    background: var(--_live);
    color: var(--_on-accent);
  }
  .call-bar-leave {
    background: var(--_danger);
    color: var(--_on-accent);
  }
  .call-bar button:focus-visible {
    outline-color: var(--call-focus-color, #facc15);
  }
  @media (max-width: 480px) {
    .call-bar {
      left: 8px;
      right: 8px;
      bottom: 8px;
      width: auto;
      flex-wrap: wrap;
      padding: 8px 12px 12px;
      border-radius: 16px;
    }
    .call-bar-title {
      flex: 1 1 100%;
    }
    .call-bar-return {
      flex: 1 1 auto;
      justify-content: center;
    }
  }

  /* Phones (issue 15): every target at least 44 × 44 px under a thumb, and on a phone held
     sideways the room's dialog takes the whole screen too (740 × 360 leaves no room for margins). */
  @media (max-width: 480px), (max-height: 540px), (pointer: coarse) {
    .main,
    .manage,
    .option {
      min-height: 44px;
    }
    .close {
      width: 44px;
      height: 44px;
    }
  }
  /* Phones, upright or sideways: the dialog is the whole screen, and the bar's Leave shows its
     icon only, so the call's title keeps its room (its name stays for screen readers). */
  @media (max-width: 480px), (orientation: landscape) and (max-height: 540px) {
    dialog {
      width: 100vw;
      max-width: 100vw;
      height: 100dvh;
      max-height: 100dvh;
      border-radius: 0;
    }
    /* The room takes what the header leaves (a fixed height once overran the screen by 8 px,
       cutting the toolbar's bottom edge). */
    dialog[open] {
      display: flex;
      flex-direction: column;
    }
    dialog video-call-room {
      flex: 1;
      height: auto;
      min-height: 0;
    }
    .call-bar-leave span {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  }
  @media (orientation: landscape) and (max-height: 540px) {
    dialog header {
      padding: 0 8px 0 16px;
    }
  }
`;
