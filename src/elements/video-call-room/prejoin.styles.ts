import { css } from 'lit';

/** The pre-join screen (prejoin.ts): preview beside the form, stacked on a phone held upright. */
export const prejoinStyles = css`
  .prejoin {
    flex: 1;
    display: flex;
    flex-direction: column;
    gap: 12px;
    padding: 16px;
    overflow-y: auto;
    min-width: 0;
  }
  .prejoin-heading {
    margin: 0;
    font-size: 1.25rem;
    font-weight: 600;
    text-align: center;
  }
  .prejoin-body {
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
    gap: 16px;
    align-items: start;
    width: 100%;
    max-width: 960px;
    margin: 0 auto;
  }
  .prejoin-preview {
    position: relative;
    aspect-ratio: 4 / 3;
    background: var(--_tile-bg);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  .prejoin-preview.mirror video {
    transform: scaleX(-1);
  }
  .prejoin-caption {
    position: absolute;
    left: 8px;
    bottom: 8px;
    margin: 0;
    font-size: 0.8125rem;
  }
  .prejoin-caption:not(:empty) {
    background: var(--_overlay);
    padding: 2px 8px;
    border-radius: 6px;
  }
  .prejoin-form {
    display: flex;
    flex-direction: column;
    gap: 12px;
    min-width: 0;
  }
  .prejoin-field {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 0.875rem;
  }
  .prejoin-field input,
  .prejoin-field select {
    min-height: 44px;
    padding: 0 10px;
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--call-control-border-color, rgb(255 255 255 / 0.25));
    border-radius: 6px;
    min-width: 0;
    max-width: 100%;
  }
  .prejoin-field input:focus-visible,
  .prejoin-field select:focus-visible {
    outline: 3px solid var(--call-focus-color, #facc15);
    outline-offset: 2px;
  }
  .prejoin-hint {
    margin: 0;
    font-size: 0.8125rem;
    opacity: 0.85;
  }
  .prejoin-device {
    margin: 0;
    font-size: 0.875rem;
    overflow-wrap: anywhere;
  }
  .prejoin-device span {
    opacity: 0.85;
  }
  .prejoin-toggles {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  .prejoin-toggles .toggle {
    min-width: 44px;
    min-height: 44px;
    padding: 0 14px;
    border: 0;
    border-radius: 22px;
    background: var(--_control);
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .prejoin-toggles .toggle[aria-pressed='false'] {
    background: var(--_danger);
  }
  .prejoin-toggles .toggle:disabled {
    opacity: 0.6;
    cursor: default;
  }
  .prejoin-meter {
    height: 8px;
    border-radius: 4px;
    background: var(--_control);
    overflow: hidden;
  }
  .prejoin-meter span {
    display: block;
    height: 100%;
    background: var(--_speaking);
    transition: inline-size 100ms linear;
  }
  .prejoin-problem {
    padding: 12px;
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--call-warning-color, #f59e0b) 22%, transparent);
    display: flex;
    flex-direction: column;
    gap: 8px;
    align-items: flex-start;
  }
  .prejoin-problem p {
    margin: 0;
  }
  .prejoin-problem-title {
    font-weight: 600;
  }
  .prejoin-join {
    justify-content: center;
    font-weight: 600;
  }
  @media (prefers-reduced-motion: reduce) {
    .prejoin-meter span {
      transition: none;
    }
  }
  /* A phone held upright (the room's own width): the preview above the form. */
  @container (max-width: 600px) {
    .prejoin-body {
      grid-template-columns: minmax(0, 1fr);
    }
    .prejoin-preview {
      aspect-ratio: 16 / 10;
      max-height: 40vh;
    }
  }
  /* Sideways on a short screen: a smaller preview, the heading out of the way. */
  @media (orientation: landscape) and (max-height: 540px) {
    .prejoin {
      padding: 8px 12px;
      gap: 8px;
    }
    .prejoin-heading {
      font-size: 1rem;
    }
  }
`;
