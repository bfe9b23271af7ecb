import { css } from 'lit';

/**
 * The tiles' connection badges, their details and the own "connection is poor" banner
 * (QualityController). The level is the number of lit bars first, its colour second.
 */
export const qualityStyles = css`
  /* Top left: the top right is the layouts' Pin button. */
  .quality {
    position: absolute;
    top: 6px;
    left: 6px;
    display: inline-grid;
    place-items: center;
    width: 32px;
    height: 32px;
    padding: 0;
    border: 0;
    border-radius: 8px;
    background: var(--_overlay);
    color: inherit;
    cursor: pointer;
  }
  .quality.good {
    --_level: var(--call-quality-good-color, #4ade80);
  }
  .quality.fair {
    --_level: var(--call-quality-fair-color, #fbbf24);
  }
  .quality.poor {
    --_level: var(--call-quality-poor-color, #f87171);
  }
  .quality-notice {
    --_level: var(--call-quality-poor-color, #f87171);
  }
  rect.lit {
    fill: var(--_level, currentColor);
  }
  rect.unlit {
    fill: none;
    stroke: currentColor;
    stroke-opacity: 0.6;
  }
  .quality[aria-expanded='true'] {
    outline: 2px solid var(--_level);
  }
  .quality-details {
    position: absolute;
    top: 42px;
    left: 6px;
    max-width: calc(100% - 12px);
    max-height: calc(100% - 48px);
    overflow: auto;
    box-sizing: border-box;
    padding: 6px 10px 8px;
    border-radius: 8px;
    background: var(--call-tile-background, #1e293b);
    box-shadow: 0 4px 16px var(--call-shadow-color, rgb(0 0 0 / 0.4));
    font-size: 0.8125rem;
    z-index: 2;
  }
  .quality-details:focus-visible {
    outline: 3px solid var(--call-focus-color, #facc15);
  }
  .quality-heading {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
  }
  .quality-close {
    display: inline-grid;
    place-items: center;
    width: 32px;
    height: 32px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: inherit;
    cursor: pointer;
  }
  .quality-details dl {
    display: grid;
    grid-template-columns: auto minmax(0, 1fr);
    gap: 2px 12px;
    margin: 4px 0 0;
  }
  .quality-details dl > div {
    display: contents;
  }
  .quality-details dt {
    opacity: 0.8;
  }
  .quality-details dd {
    margin: 0;
    overflow-wrap: anywhere;
    font-variant-numeric: tabular-nums;
  }
  .quality-notice {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .quality-notice svg {
    flex: none;
  }
  /* Touch screens and phones: 44 px targets. */
  @media (pointer: coarse) {
    .quality,
    .quality-close {
      width: 44px;
      height: 44px;
    }
    .quality-details {
      top: 54px;
      max-height: calc(100% - 60px);
    }
  }
  /* A phone's tiles are too small to hold the details: they sit at the room's bottom edge over the
     toolbar, as the chat's sheet does. While they are open the room's layout containment makes it
     their containing block, so the tile's overflow does not clip them. */
  @container (max-width: 480px) {
    .room:has(.quality-details) {
      contain: layout;
    }
    .quality,
    .quality-close {
      width: 44px;
      height: 44px;
    }
    .quality-details {
      position: fixed;
      top: auto;
      left: 8px;
      right: 8px;
      bottom: 8px;
      max-width: none;
      max-height: 70%;
      padding: 8px 12px 12px;
      font-size: 0.875rem;
    }
  }
`;
