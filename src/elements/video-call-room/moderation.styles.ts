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
  /* The removed and ended screens: an icon, what happened, and what it means now. */
  .gone {
    gap: 8px;
  }
  .gone-icon svg {
    width: 48px;
    height: 48px;
    opacity: 0.8;
  }
  .gone-title {
    margin: 0;
    font-size: 1.125rem;
    font-weight: 600;
  }
  .gone-title.removed {
    color: color-mix(in srgb, var(--_danger) 45%, #fff);
  }
  .gone-hint {
    margin: 0;
    opacity: 0.85;
    max-width: 40ch;
  }
  /* A phone: the prompt is one short line of text over two buttons, not a third of the room. */
  @container (max-width: 420px) {
    .unmute-prompt {
      justify-content: flex-start;
      padding: 6px 10px;
      margin: 0 8px 6px;
      font-size: 0.9375rem;
    }
    .unmute-prompt .prompt-text {
      flex: 1 1 100%;
    }
    .unmute-prompt .action,
    .end-confirm .action {
      min-height: 44px;
      padding: 0 16px;
    }
    /* End for everyone keeps to the status line: its stop sign alone, its name still its label. */
    .end-for-all {
      padding: 0;
      width: 44px;
      justify-content: center;
    }
    .end-for-all .label-text {
      display: none;
    }
    .status:has(.end-for-all) {
      flex-wrap: nowrap;
    }
    .status:has(.end-for-all) > span:first-child {
      flex: 1;
    }
  }
  .end-for-all:focus-visible {
    outline: 3px solid var(--call-focus-color, #facc15);
    outline-offset: 2px;
  }
`;
