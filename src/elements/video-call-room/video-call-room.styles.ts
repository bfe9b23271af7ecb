import { css } from 'lit';

export const styles = css`
  :host {
    --_accent: var(--call-accent-color, #2563eb);
    --_danger: var(--call-danger-color, #dc2626);
    --_bg: var(--call-background, #0f172a);
    --_fg: var(--call-foreground, #f8fafc);
    --_tile-bg: var(--call-tile-background, #1e293b);
    --_speaking: var(--call-speaking-color, #22c55e);
    --_control: var(--call-control-background, rgb(255 255 255 / 0.12));
    --_overlay: var(--call-overlay-background, rgb(0 0 0 / 0.55));
    --_radius: var(--call-radius, 12px);
    display: block;
    position: relative;
    min-height: 320px;
    background: var(--_bg);
    color: var(--_fg);
    font-family: var(--call-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    border-radius: var(--_radius);
    overflow: hidden;
    container-type: inline-size;
  }
  [hidden] {
    display: none !important;
  }
  .room {
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: inherit;
  }
  .status {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 8px 12px;
    font-size: 0.875rem;
    opacity: 0.9;
  }
  /* The number of people stays on one line ("В звонке: 2" broke after the colon on a phone). */
  .status > span:last-child {
    flex: none;
    white-space: nowrap;
  }
  .banner {
    margin: 0 12px 8px;
    padding: 8px 12px;
    border-radius: 8px;
    background: color-mix(in srgb, var(--_accent) 25%, transparent);
    font-size: 0.875rem;
  }
  .banner.warning {
    background: color-mix(in srgb, var(--call-warning-color, #f59e0b) 30%, transparent);
  }
  .banner.error {
    background: color-mix(in srgb, var(--_danger) 35%, transparent);
  }
  .stage {
    flex: 1;
    display: grid;
    gap: 8px;
    padding: 0 8px 8px;
    min-height: 0;
  }
  .stage.with-screen {
    grid-template-rows: minmax(0, 3fr) minmax(96px, 1fr);
  }
  .grid {
    display: grid;
    gap: 8px;
    margin: 0;
    padding: 0;
    list-style: none;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 220px), 1fr));
    grid-auto-rows: minmax(120px, 1fr);
    min-height: 0;
  }
  .with-screen .grid {
    grid-auto-flow: column;
    grid-auto-columns: minmax(140px, 1fr);
    grid-template-columns: none;
    overflow-x: auto;
  }
  .tile {
    position: relative;
    background: var(--_tile-bg);
    border-radius: calc(var(--_radius) - 4px);
    overflow: hidden;
    outline: 3px solid transparent;
    outline-offset: -3px;
    transition: outline-color 120ms ease;
    min-height: 0;
  }
  .tile.speaking {
    outline-color: var(--_speaking);
  }
  .tile.screen video {
    object-fit: contain;
    background: var(--call-screen-background, #000000);
  }
  video {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
  }
  .tile.mirror video {
    transform: scaleX(-1);
  }
  .avatar {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
  }
  .avatar img,
  .avatar .initials {
    width: clamp(48px, 30%, 96px);
    aspect-ratio: 1;
    border-radius: 50%;
    object-fit: cover;
  }
  .avatar .initials {
    display: grid;
    place-items: center;
    background: var(--_accent);
    font-size: 1.5rem;
    font-weight: 600;
  }
  .label {
    position: absolute;
    left: 8px;
    bottom: 8px;
    right: 8px;
    display: flex;
    align-items: center;
    gap: 6px;
    font-size: 0.8125rem;
  }
  .label .name {
    background: var(--_overlay);
    padding: 2px 8px;
    border-radius: 6px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .indicator {
    display: inline-grid;
    place-items: center;
    width: 24px;
    height: 24px;
    border-radius: 50%;
    background: var(--_overlay);
  }
  .indicator.off {
    background: var(--_danger);
  }
  .controls {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: 8px;
    padding: 8px 12px 12px;
  }
  button,
  select {
    font: inherit;
    color: inherit;
  }
  .controls button,
  .action {
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
  .controls button.device[aria-pressed='false'] {
    background: var(--_danger);
  }
  .controls button.share[aria-pressed='true'] {
    background: var(--_accent);
  }
  .controls .leave,
  .action.primary {
    background: var(--_danger);
  }
  .action.primary {
    background: var(--_accent);
  }
  button:focus-visible,
  select:focus-visible,
  summary:focus-visible {
    outline: 3px solid var(--call-focus-color, #facc15);
    outline-offset: 2px;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .label-text {
    font-size: 0.875rem;
  }
  .devices {
    position: relative;
  }
  .devices summary {
    /* As the buttons beside it (a summary's box is content-box): 44 px wide, not 44 + padding. */
    box-sizing: border-box;
    list-style: none;
    min-height: 44px;
    display: inline-flex;
    align-items: center;
    padding: 0 14px;
    border-radius: 22px;
    background: var(--_control);
    cursor: pointer;
  }
  .devices summary::-webkit-details-marker {
    display: none;
  }
  .devices .panel {
    position: absolute;
    bottom: 52px;
    left: 50%;
    transform: translateX(-50%);
    display: grid;
    gap: 8px;
    padding: 12px;
    width: min(280px, 90vw);
    background: var(--_tile-bg);
    border-radius: 10px;
    box-shadow: 0 8px 24px var(--call-shadow-color, rgb(0 0 0 / 0.4));
    z-index: 2;
  }
  .devices label {
    display: grid;
    gap: 4px;
    font-size: 0.8125rem;
  }
  .devices select {
    min-height: 36px;
    background: var(--_bg);
    border: 1px solid var(--call-control-border-color, rgb(255 255 255 / 0.25));
    border-radius: 6px;
  }
  .center {
    flex: 1;
    display: grid;
    place-content: center;
    gap: 12px;
    text-align: center;
    padding: 24px;
  }
  /* Join again, Continue here, Try again: a button its words wide, under the words. */
  .center > .action {
    justify-self: center;
  }
  .spinner {
    width: 32px;
    height: 32px;
    margin: 0 auto;
    border: 3px solid var(--call-control-border-color, rgb(255 255 255 / 0.25));
    border-top-color: var(--_fg);
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @container (max-width: 420px) {
    .controls .label-text {
      display: none;
    }
    .grid {
      grid-template-columns: repeat(auto-fit, minmax(140px, 1fr));
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation-duration: 3s;
    }
    .tile {
      transition: none;
    }
  }
  /* The fallback notice (issue 15): what happened to the connection and what to do. It is the
     room's first line, so it keeps off the top edge as the status line does. */
  .banner.fallback {
    margin-top: 8px;
  }
  .fallback p {
    margin: 0 0 6px;
  }
  .fallback p:last-child {
    margin-bottom: 0;
  }
  .fallback a.action {
    /* Its Russian text takes two lines on a phone: centred, as the retry button's. */
    justify-content: center;
    text-align: center;
    margin-top: 4px;
    color: inherit;
    text-decoration: none;
  }
  .fallback a.action:focus-visible {
    outline: 3px solid var(--call-focus-color, #facc15);
    outline-offset: 2px;
  }
  .fallback-peers {
    list-style: none;
    margin: 6px 0 0;
    padding: 0;
    display: grid;
    gap: 6px;
  }
  .fallback-peers li {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }

  /* Phones (issue 15). Portrait: the toolbar stays at the bottom, in thumb reach, on one row with
     icons only; two people stack, four make a 2 × 2 grid, every tile fitting the room's height.
     Landscape on a short screen: the toolbar moves to the right edge, where the thumb rests when
     the phone is held sideways, and the tiles take the rest. */
  .sound-prompt {
    margin: 0 12px 8px;
    display: flex;
    justify-content: center;
  }
  .sound-prompt .action {
    min-height: 48px;
    padding: 0 20px;
    font-weight: 600;
    text-align: center;
  }
  .controls {
    padding-bottom: max(12px, env(safe-area-inset-bottom));
  }
  @container (max-width: 420px) {
    .controls {
      flex-wrap: nowrap;
      gap: 6px;
      padding-left: 8px;
      padding-right: 8px;
    }
    .controls button,
    .devices summary {
      min-width: 44px;
      padding: 0 10px;
      justify-content: center;
    }
    /* The device panel opens above the whole toolbar, not beside its button off the screen. */
    .controls {
      position: relative;
    }
    .devices {
      position: static;
    }
    .devices .panel {
      left: 8px;
      right: 8px;
      bottom: calc(100% + 4px);
      width: auto;
      transform: none;
    }
    .grid {
      grid-auto-rows: minmax(0, 1fr);
    }
    .grid:has(> .tile:nth-child(2):last-child) {
      grid-template-columns: minmax(0, 1fr);
    }
    .grid:has(> .tile:nth-child(3)) {
      grid-template-columns: repeat(2, minmax(0, 1fr));
    }
  }
  @media (orientation: landscape) and (max-height: 540px) {
    .room:has(> .controls) {
      padding-right: 64px;
    }
    .controls {
      position: absolute;
      top: 0;
      right: 0;
      bottom: 0;
      width: 64px;
      box-sizing: border-box;
      flex-direction: column;
      flex-wrap: nowrap;
      justify-content: center;
      align-items: center;
      gap: 6px;
      padding: 8px max(8px, env(safe-area-inset-right)) 8px 8px;
    }
    .controls .label-text {
      display: none;
    }
    .controls button,
    .devices summary {
      padding: 0;
      width: 44px;
      justify-content: center;
    }
    .devices {
      position: static;
    }
    .devices .panel {
      left: auto;
      right: calc(100% + 4px);
      top: auto;
      bottom: 8px;
      transform: none;
      width: min(280px, 60vw);
    }
    .status {
      padding: 4px 12px;
    }
    .grid {
      grid-auto-rows: minmax(0, 1fr);
      grid-template-columns: repeat(auto-fit, minmax(min(100%, 160px), 1fr));
    }
    .grid:has(> .tile:nth-child(2)) {
      grid-template-columns: repeat(2, minmax(0, 1fr));
    }
    .grid:has(> .tile:nth-child(5)) {
      grid-template-columns: repeat(3, minmax(0, 1fr));
    }
  }
`;
