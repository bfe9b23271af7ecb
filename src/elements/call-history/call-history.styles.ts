import { css } from 'lit';

/** Each call a card instead of a table row: on a phone, and wherever the element is narrow. */
const cards = css`
  table,
  thead,
  tbody,
  tr,
  td {
    display: block;
  }
  thead {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
  }
  tbody.call {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    margin-bottom: 8px;
    padding: 8px 12px;
  }
  tr[part~='call'] {
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
    gap: 6px 12px;
  }
  td {
    border: 0;
    padding: 0;
  }
  td[data-label]::before {
    content: attr(data-label);
    display: block;
    color: var(--_muted);
    font-size: 0.75rem;
  }
  td.when,
  td.title,
  td.toggle-cell {
    grid-column: 1 / -1;
  }
  td.title {
    order: -2;
    font-weight: 600;
    font-size: 0.9375rem;
  }
  td.title::before {
    display: none;
  }
  td.when {
    order: -1;
  }
  .details td {
    padding: 8px 0 0;
  }
  .toggle {
    width: 100%;
    justify-content: center;
    min-height: 44px;
  }
  .attendee {
    grid-template-columns: minmax(0, 1fr);
  }
  .attendee .answer:empty {
    display: none;
  }
`;

export const styles = css`
  :host {
    --_radius: var(--call-radius, 8px);
    display: block;
    container-type: inline-size;
    background: var(--_surface);
    color: var(--_text);
    font-family: var(--call-font-family, inherit);
    font-size: 0.875rem;
  }
  [hidden] {
    display: none !important;
  }
  .base:focus {
    outline: none;
  }
  .base:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .head {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    flex-wrap: wrap;
    margin-bottom: 8px;
  }
  h3 {
    margin: 0;
    font-size: 0.8125rem;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--_muted);
  }
  button {
    font: inherit;
    min-height: 32px;
    padding: 4px 12px;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  button:hover {
    background: var(--_subtle);
  }
  button:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .notice {
    margin: 0;
    color: var(--_muted);
  }
  .notice.error {
    color: var(--_danger-text);
    display: flex;
    align-items: center;
    flex-wrap: wrap;
    gap: 8px;
  }
  .notice.error p {
    margin: 0;
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th {
    text-align: start;
    font-weight: 600;
    font-size: 0.75rem;
    color: var(--_subtle-text);
    background: var(--_subtle);
    padding: 6px 8px;
  }
  td {
    padding: 8px;
    vertical-align: top;
    border-top: 1px solid var(--_border);
    overflow-wrap: anywhere;
  }
  .details td {
    border-top: 0;
    padding-top: 0;
  }
  td.title {
    font-weight: 500;
  }
  td.toggle-cell {
    text-align: end;
    white-space: nowrap;
  }
  .chevron {
    width: 0.5em;
    height: 0.5em;
    border-right: 2px solid currentColor;
    border-bottom: 2px solid currentColor;
    transform: rotate(45deg) translateY(-2px);
    transition: transform 0.15s;
  }
  .open .chevron {
    transform: rotate(225deg) translateY(-2px);
  }
  .attendance {
    list-style: none;
    margin: 0;
    padding: 8px 12px;
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--_subtle) 50%, var(--_surface));
    display: grid;
    gap: 6px;
  }
  .attendee {
    display: grid;
    grid-template-columns: minmax(0, 2fr) minmax(0, 2fr) minmax(0, 2fr);
    gap: 2px 12px;
  }
  .attendee .name {
    font-weight: 500;
  }
  .attendee .role,
  .attendee .answer {
    color: var(--_subtle-text);
  }
  .attendee.absent .presence {
    color: var(--_subtle-text);
  }
  .attendee.now .presence {
    color: var(--_success-text);
  }
  @media (prefers-reduced-motion: reduce) {
    .chevron {
      transition: none;
    }
  }
  @container (max-width: 640px) {
    ${cards}
  }
  /* Phones (and browsers without container queries): cards, and 44 px targets under a thumb. */
  @media (max-width: 480px), (pointer: coarse) {
    button {
      min-height: 44px;
    }
  }
  @media (max-width: 480px) {
    ${cards}
  }
`;
