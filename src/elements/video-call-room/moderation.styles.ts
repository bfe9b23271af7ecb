import { css } from 'lit';

/** The lobby's waiting screen, the unmute prompt and End for everyone (room-moderation-controller.ts). */
export const moderationStyles = css`
  .lobby-title {
    margin: 0;
    font-size: 1.125rem;
    font-weight: 600;
  }
  .lobby-hint {
    margin: 0;
    opacity: 0.85;
    max-width: 36ch;
  }
  .lobby .action {
    justify-self: center;
  }
  .unmute-prompt,
  .end-confirm {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: center;
    gap: 8px;
    margin: 0 12px 8px;
    padding: 8px 12px;
    border-radius: 8px;
    background: color-mix(in srgb, var(--_accent) 25%, transparent);
  }
  .end-confirm {
    background: color-mix(in srgb, var(--_danger) 30%, transparent);
  }
  .action.danger {
    background: var(--_danger);
    font-weight: 600;
  }
  .status:has(.end-for-all) {
    flex-wrap: wrap;
    row-gap: 4px;
  }
  .status:has(.end-for-all) > span:nth-last-child(2) {
    flex: none;
    white-space: nowrap;
  }
  .end-for-all {
    flex: none;
    min-width: 44px;
    min-height: 44px;
    padding: 0 14px;
    border: 0;
    border-radius: 22px;
    /* Darker than the Leave red: the status line is 0.9 opaque, and its text must still read 4.5:1. */
    background: color-mix(in srgb, var(--_danger) 75%, #000);
    color: #fff;
    font: inherit;
    font-weight: 600;
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .end-for-all:focus-visible {
    outline: 3px solid var(--call-focus-color, #facc15);
    outline-offset: 2px;
  }
`;
