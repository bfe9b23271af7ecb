import { css } from 'lit';

/** The host's controls: the Waiting section and the per-person buttons (host-controls-controller.ts). */
export const hostControlsStyles = css`
  .waiting {
    margin: 0 0 12px;
    padding: 8px;
    border: 1px dashed var(--_muted);
    border-radius: 10px;
  }
  .waiting h4 {
    margin: 0 0 4px;
    font-size: 0.875rem;
  }
  .waiting ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .host-actions {
    flex: 1 0 auto;
    max-width: 100%;
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    align-items: center;
    gap: 4px;
    margin-inline-start: auto;
  }
  /* The Remove confirmation on its own line, under the name (the avatar's 32 px and the row's 10 px gap in). */
  .host-actions.confirm {
    flex: 1 1 100%;
    margin-inline-start: 42px;
    max-width: calc(100% - 42px);
  }
  .confirm-text {
    flex: 1 1 100%;
    font-size: 0.8125rem;
  }
  .host-action {
    flex: none;
    min-height: 32px;
    padding: 0 10px;
    border: 1px solid var(--_muted);
    border-radius: 16px;
    background: transparent;
    color: inherit;
    font: inherit;
    font-size: 0.8125rem;
    cursor: pointer;
  }
  .host-action:hover {
    background: var(--_subtle);
  }
  .host-action.is-admit {
    border-color: var(--_success-text);
    font-weight: 600;
  }
  .host-action.is-remove-participant,
  .host-action.is-remove-confirm,
  .host-action.is-decline {
    color: var(--_danger-text);
  }
  .host-action:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .host-action[disabled] {
    opacity: 0.5;
    cursor: progress;
  }
  /* Too narrow for the name and the buttons on one line (a phone, a side panel): the buttons go below. */
  .person:has(.host-actions) {
    flex-wrap: wrap;
  }
  .person:has(.host-actions) .text {
    flex: 1 1 8rem;
  }
  /* Phones: every host button a 44 px target under a thumb. */
  @media (max-width: 480px), (max-height: 540px), (pointer: coarse) {
    .host-action {
      min-height: 44px;
      min-width: 44px;
    }
  }
`;
