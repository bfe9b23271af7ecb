import { css } from 'lit';

export const styles = css`
  :host {
    --_radius: var(--call-radius, 8px);
    display: block;
    box-sizing: border-box;
    position: relative;
    padding: 12px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    box-shadow: 0 8px 24px var(--_shadow);
    font-family: var(--call-font-family, inherit);
    font-size: 0.875rem;
  }
  [hidden] {
    display: none !important;
  }
  .base {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 12px;
  }
  ::slotted([slot='actions']) {
    position: absolute;
    top: 6px;
    right: 6px;
  }
  .invite {
    display: grid;
    /* Not the field's intrinsic width: on a phone the Invite button stays inside the panel. */
    grid-template-columns: minmax(0, 1fr);
    gap: 4px;
    padding-right: 28px;
  }
  .invite label {
    font-weight: 600;
  }
  .invite-row {
    display: flex;
    gap: 6px;
  }
  input {
    flex: 1;
    min-width: 0;
    min-height: 36px;
    padding: 6px 10px;
    border: 1px solid var(--_border);
    border-radius: 6px;
    background: var(--_surface);
    color: var(--_text);
    font: inherit;
  }
  button {
    min-height: 36px;
    padding: 6px 12px;
    border: 0;
    border-radius: 6px;
    background: var(--_accent);
    color: var(--_on-accent);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
  }
  button[disabled] {
    cursor: progress;
    opacity: 0.7;
  }
  button:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .invite-message {
    margin: 0;
    min-height: 1.2em;
    font-size: 0.8125rem;
    color: var(--_success-text);
  }
  /* Invited, but a notification did not go out: not a failure of the invitation, not all good either. */
  .invite-message.partial {
    color: var(--_text);
  }
  .invite-message.error,
  .notice.error {
    color: var(--_danger-text);
  }
  .notice {
    margin: 0;
    padding-right: 28px;
    color: var(--_muted);
  }
`;
