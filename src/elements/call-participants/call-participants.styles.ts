import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    background: var(--call-list-background, transparent);
    color: var(--call-list-foreground, inherit);
    font-family: var(--call-font-family, inherit);
    font-size: 0.875rem;
  }
  [hidden] {
    display: none !important;
  }
  h3 {
    margin: 0 0 8px;
    font-size: 0.8125rem;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--_muted);
  }
  .in-call {
    color: var(--_success-text);
    text-transform: none;
    letter-spacing: normal;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 2px;
  }
  .person {
    display: flex;
    align-items: center;
    gap: 10px;
    padding: 6px 4px;
    border-radius: 8px;
    min-height: 44px;
  }
  .avatar {
    position: relative;
    flex: none;
    width: 32px;
    height: 32px;
    border-radius: 50%;
    display: grid;
    place-items: center;
    background: color-mix(in srgb, var(--_accent) 8%, var(--_surface));
    color: var(--_accent-text);
    font-weight: 600;
    font-size: 0.75rem;
    box-shadow: 0 0 0 2px transparent;
    transition: box-shadow 0.15s;
  }
  .avatar img {
    width: 100%;
    height: 100%;
    border-radius: 50%;
    object-fit: cover;
  }
  .speaking .avatar {
    box-shadow: 0 0 0 2px var(--_speaking);
  }
  .dot {
    position: absolute;
    right: -1px;
    bottom: -1px;
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--_speaking);
    border: 2px solid var(--call-list-background, var(--_surface));
  }
  /* Someone not here: grey, and a photo faded too; initials keep their contrast (axe, WCAG AA). */
  .presence-offline .avatar,
  .presence-left .avatar,
  .invite-declined .avatar {
    filter: grayscale(1);
  }
  .presence-offline .avatar img,
  .presence-left .avatar img,
  .invite-declined .avatar img {
    opacity: 0.7;
  }
  .text {
    flex: 1;
    min-width: 0;
    display: grid;
  }
  .name {
    font-weight: 500;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  /* The status wraps rather than ending in an ellipsis: the answer and the presence at its end are
     what the list is for, and in Russian they outgrow a phone's row. */
  .status {
    color: var(--_muted);
    font-size: 0.75rem;
    overflow-wrap: anywhere;
  }
  .invite-declined .status {
    color: var(--_danger-text);
  }
  .indicators {
    display: flex;
    gap: 4px;
    color: var(--_muted);
  }
  .indicators svg {
    width: 16px;
    height: 16px;
  }
  .indicators .hand {
    font-size: 14px;
    line-height: 16px;
  }
  .indicators .off {
    color: var(--_danger-text);
  }
  .remove {
    flex: none;
    display: grid;
    place-items: center;
    width: 32px;
    height: 32px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: var(--_muted);
    cursor: pointer;
  }
  .remove:hover {
    background: var(--_subtle);
    color: var(--_danger-text);
  }
  .remove svg {
    width: 16px;
    height: 16px;
  }
  .remove:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .remove[disabled] {
    opacity: 0.4;
    cursor: progress;
  }
  .notice {
    margin: 0;
    color: var(--_muted);
  }
  .notice.error {
    color: var(--_danger-text);
  }

  /* Phones (issue 15): the remove button is a 44 × 44 px target under a thumb. */
  @media (max-width: 480px), (max-height: 540px), (pointer: coarse) {
    .remove {
      width: 44px;
      height: 44px;
    }
  }
`;
