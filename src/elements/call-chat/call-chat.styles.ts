import { css } from 'lit';

export const styles = css`
  :host {
    --_radius: var(--call-radius, 8px);
    display: flex;
    flex-direction: column;
    box-sizing: border-box;
    min-height: 12rem;
    height: 24rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    font-family: var(--call-font-family, inherit);
    font-size: 0.875rem;
    overflow: hidden;
  }
  [hidden] {
    display: none !important;
  }
  .base {
    display: flex;
    flex-direction: column;
    flex: 1 1 auto;
    min-height: 0;
  }
  .log {
    flex: 1 1 auto;
    min-height: 0;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 8px 12px;
  }
  .log:focus-visible,
  button:focus-visible,
  textarea:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .messages {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 6px;
  }
  .day {
    align-self: center;
    margin: 8px 0 2px;
  }
  .day h3 {
    margin: 0;
    font-size: 0.75rem;
    font-weight: 600;
    color: var(--_muted);
  }
  .message {
    align-self: flex-start;
    max-width: 85%;
    padding: 6px 10px;
    border-radius: var(--_radius);
    background: var(--_subtle);
    color: var(--_text);
    overflow-wrap: anywhere;
  }
  .message.own {
    align-self: flex-end;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .message.own .meta,
  .message.own .status,
  .message.own a {
    color: inherit;
  }
  .message.sending {
    opacity: 0.8;
  }
  .message.failed {
    outline: 2px solid var(--_danger);
  }
  .meta {
    margin: 0 0 2px;
    font-size: 0.75rem;
    color: var(--_subtle-text);
  }
  .author {
    font-weight: 600;
  }
  .body {
    margin: 0;
    white-space: pre-wrap;
    unicode-bidi: plaintext;
  }
  /* The message's own colour, underlined: the accent on the grey bubble misses 4.5:1. */
  .body a {
    color: inherit;
    text-decoration: underline;
  }
  .status {
    margin: 2px 0 0;
    font-size: 0.75rem;
  }
  .message.failed .status {
    font-weight: 600;
  }
  .actions {
    display: flex;
    gap: 6px;
    margin: 4px 0 0;
  }
  .notice {
    margin: 12px;
    color: var(--_muted);
  }
  .log .notice {
    margin: 8px 0;
  }
  .error {
    color: var(--_danger-text);
  }
  .message.own .error {
    color: inherit;
  }
  .notice.error p {
    margin: 0 0 8px;
  }
  button {
    font: inherit;
    min-height: 32px;
    padding: 4px 12px;
    border-radius: var(--_radius);
    border: 1px solid transparent;
    cursor: pointer;
  }
  button.secondary {
    background: var(--_surface);
    color: var(--_text);
    border-color: var(--_border);
  }
  .older {
    display: block;
    margin: 0 auto 8px;
  }
  .composer {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 4px 8px;
    align-items: end;
    padding: 8px 12px;
    border-top: 1px solid var(--_border);
  }
  textarea {
    font: inherit;
    resize: none;
    min-height: 2.5rem;
    max-height: 8rem;
    padding: 6px 8px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
  }
  textarea::placeholder {
    color: var(--_muted);
  }
  button[part='send'] {
    min-height: 40px;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .counter,
  .composer-error {
    grid-column: 1 / -1;
    margin: 0;
    font-size: 0.75rem;
  }
  .counter {
    color: var(--_muted);
  }
  .counter.error {
    color: var(--_danger-text);
  }
  .composer-error:empty {
    display: none;
  }
`;
