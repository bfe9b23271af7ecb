import { css } from 'lit';

/**
 * The room's chat panel, raised hands and reactions (issue 16). The panel sits beside the tiles
 * (they shrink, nothing is covered); on phones (≤ 480 px wide, or a short landscape screen) it is
 * a full-width bottom sheet over them. Its `<call-chat>` takes the room's dark colours.
 */
export const roomChatStyles = css`
  .main {
    flex: 1;
    display: flex;
    min-height: 0;
    position: relative;
  }
  .main > .stage {
    flex: 1;
    min-width: 0;
  }
  .chat-panel {
    --call-surface-background: var(--_tile-bg);
    --call-surface-foreground: #f1f5f9;
    --call-border-color: #475569;
    --call-subtle-background: #334155;
    --call-subtle-foreground: #cbd5e1;
    --call-muted-foreground: #94a3b8;
    --call-accent-text-color: #93c5fd;
    --call-danger-text-color: #fca5a5;
    --call-focus-color: #facc15;
    flex: none;
    box-sizing: border-box;
    width: min(360px, 42%);
    margin: 0 8px 8px 0;
    display: flex;
    flex-direction: column;
    min-height: 0;
    background: var(--_tile-bg);
    border-radius: calc(var(--_radius) - 4px);
    overflow: hidden;
  }
  .chat-head {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 4px 4px 4px 12px;
  }
  .chat-head h2 {
    margin: 0;
    font-size: 1rem;
    font-weight: 600;
  }
  .chat-close {
    min-width: 44px;
    min-height: 44px;
    border: 0;
    border-radius: 22px;
    background: transparent;
    cursor: pointer;
    display: inline-grid;
    place-items: center;
  }
  .chat-panel call-chat {
    flex: 1;
    height: auto;
    min-height: 0;
    border: 0;
    border-radius: 0;
  }
  .controls .chat-toggle {
    position: relative;
  }
  .controls .chat-toggle[aria-expanded='true'],
  .controls .hand[aria-pressed='true'] {
    background: var(--_accent);
  }
  .badge {
    position: absolute;
    top: -4px;
    right: -4px;
    min-width: 20px;
    height: 20px;
    padding: 0 5px;
    box-sizing: border-box;
    border-radius: 10px;
    background: var(--_danger);
    color: #fff;
    font-size: 0.75rem;
    font-weight: 700;
    line-height: 20px;
    text-align: center;
  }
  .reactions {
    position: relative;
  }
  .reactions-menu {
    position: absolute;
    bottom: 52px;
    left: 50%;
    transform: translateX(-50%);
    display: flex;
    gap: 4px;
    padding: 6px;
    background: var(--_tile-bg);
    border-radius: 26px;
    box-shadow: 0 8px 24px var(--call-shadow-color, rgb(0 0 0 / 0.4));
    z-index: 3;
  }
  .controls .reactions-menu button {
    min-width: 44px;
    padding: 0;
    justify-content: center;
    font-size: 1.375rem;
    background: transparent;
  }
  .controls .reactions-menu button:hover {
    background: var(--_control);
  }
  .indicator.hand {
    background: var(--call-warning-color, #f59e0b);
  }
  .reaction {
    position: absolute;
    left: 50%;
    top: 50%;
    transform: translate(-50%, -50%);
    font-size: clamp(2.5rem, 12cqi, 6rem);
    line-height: 1;
    pointer-events: none;
    filter: drop-shadow(0 2px 6px rgb(0 0 0 / 0.5));
    animation: float-up 3s ease-out forwards;
  }
  @keyframes float-up {
    0% {
      opacity: 0;
      transform: translate(-50%, -20%) scale(0.6);
    }
    15% {
      opacity: 1;
      transform: translate(-50%, -50%) scale(1);
    }
    80% {
      opacity: 1;
    }
    100% {
      opacity: 0;
      transform: translate(-50%, -110%);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    /* Still there for its 3 seconds, without moving. */
    .reaction {
      animation: none;
    }
  }
  @container (max-width: 480px) {
    /* The sheet covers the room from its bottom edge, the toolbar included. */
    .main {
      position: static;
    }
    .chat-panel {
      position: absolute;
      left: 0;
      right: 0;
      bottom: 0;
      width: auto;
      height: min(75%, 520px);
      margin: 0;
      border-radius: var(--_radius) var(--_radius) 0 0;
      box-shadow: 0 -8px 24px var(--call-shadow-color, rgb(0 0 0 / 0.4));
      z-index: 4;
    }
    /* Eight buttons do not fit one row on a phone: the toolbar takes two. */
    .controls {
      flex-wrap: wrap;
    }
    .reactions {
      position: static;
    }
    .reactions-menu {
      left: 8px;
      right: 8px;
      bottom: calc(100% + 4px);
      transform: none;
      justify-content: space-around;
    }
  }
  @media (orientation: landscape) and (max-height: 540px) {
    .main {
      position: static;
    }
    .chat-panel {
      position: absolute;
      left: 0;
      right: 0;
      bottom: 0;
      top: 0;
      width: auto;
      margin: 0;
      border-radius: 0;
      z-index: 4;
    }
    /* Two columns of buttons at the right edge: one does not hold them on a short screen. */
    .room:has(> .controls) {
      padding-right: 112px;
    }
    .controls {
      width: 112px;
      flex-flow: row wrap;
      align-content: center;
    }
    .reactions {
      position: static;
    }
    .reactions-menu {
      left: auto;
      right: calc(100% + 4px);
      bottom: 8px;
      transform: none;
      flex-direction: column;
      border-radius: 26px;
    }
  }
`;
