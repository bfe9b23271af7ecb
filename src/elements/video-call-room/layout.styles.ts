import { css } from 'lit';

/**
 * The speaker view, the pin buttons and the picture-in-picture source (layout-controller.ts).
 * The strip's rules are written against `.stage.speaker-view .grid.strip` so they win over the
 * grid's phone rules (`.grid:has(…)`) without touching them.
 */
export const layoutStyles = css`
  .stage.speaker-view {
    grid-template-rows: minmax(0, 1fr) auto;
    grid-template-columns: minmax(0, 1fr);
  }
  .stage.speaker-view.with-screen {
    grid-template-rows: minmax(0, 1fr) auto;
  }
  .speaker-main {
    display: grid;
    margin: 0;
    padding: 0;
    list-style: none;
    min-height: 0;
  }
  .stage.speaker-view .grid.strip {
    grid-auto-flow: column;
    grid-auto-columns: var(--call-strip-tile-width, 180px);
    grid-template-columns: none;
    grid-auto-rows: auto;
    overflow-x: auto;
    overflow-y: hidden;
    overscroll-behavior-x: contain;
    scroll-snap-type: x proximity;
    /* Room for the keyboard focus ring and the speaking outline of the first and last tile. */
    padding: 2px;
  }
  .stage.speaker-view .grid.strip > .tile {
    aspect-ratio: 16 / 10;
    scroll-snap-align: start;
  }
  .strip .label {
    left: 4px;
    right: 4px;
    bottom: 4px;
    font-size: 0.75rem;
  }
  .tile .pin {
    position: absolute;
    top: 6px;
    right: 6px;
    width: 36px;
    height: 36px;
    display: grid;
    place-items: center;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: var(--call-overlay-background, rgb(0 0 0 / 0.55));
    cursor: pointer;
  }
  .tile .pin[aria-pressed='true'] {
    background: var(--call-accent-color, #2563eb);
  }
  .tile .pin:focus-visible {
    outline: 3px solid var(--call-focus-color, #facc15);
    outline-offset: -3px;
  }
  .controls button.layout-toggle[aria-pressed='true'],
  .controls button.pip[aria-pressed='true'] {
    background: var(--call-accent-color, #2563eb);
  }
  /* What picture-in-picture shows; never seen in the page itself. */
  video.pip-source {
    position: absolute;
    width: 1px;
    height: 1px;
    opacity: 0;
    pointer-events: none;
  }
  @container (max-width: 420px) {
    .stage.speaker-view .grid.strip {
      grid-auto-columns: var(--call-strip-tile-width, 132px);
      grid-auto-rows: auto;
      grid-template-columns: none;
    }
  }
  @media (pointer: coarse) {
    .tile .pin {
      width: 44px;
      height: 44px;
      top: 4px;
      right: 4px;
    }
  }
  @media (orientation: landscape) and (max-height: 540px) {
    .stage.speaker-view .grid.strip {
      grid-auto-columns: var(--call-strip-tile-width, 120px);
      grid-template-columns: none;
    }
  }
`;
