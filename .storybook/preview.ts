import type { Decorator, Preview } from '@storybook/web-components-vite';
import { html } from 'lit';
import { defineAll } from '../src/define-all.ts';
import { theme } from '../src/elements/shared/theme.styles.ts';

defineAll();

/**
 * The elements follow `prefers-color-scheme`, which a page cannot set. The toolbar's dark scheme
 * does what a host page with a dark switch of its own does: it sets the `--call-*` properties to
 * the dark defaults (read from the theme's own dark block, so they cannot drift) on a dark page.
 * The Storybook test emulates the dark preference as well, so both paths are checked.
 */
const darkTokens = [...(theme.cssText.split('prefers-color-scheme: dark')[1] ?? '').matchAll(/var\((--call-[a-z-]+),\s*(.+?)\);/g)].map(([, name, value]) => `${name}: ${value}`).join('; ');

const withScheme: Decorator = (story, { globals }) =>
  globals.scheme === 'dark'
    ? html`<div style="color-scheme: dark; background: #0f172a; color: #f1f5f9; padding: 16px; ${darkTokens}">${story()}</div>`
    : html`<div style="color-scheme: light; background: #ffffff; color: #0f172a; padding: 16px">${story()}</div>`;

const preview: Preview = {
  parameters: {
    layout: 'padded',
    controls: { expanded: true },
  },
  globalTypes: {
    scheme: {
      description: 'Colour scheme',
      toolbar: { title: 'Scheme', icon: 'mirror', items: [{ value: 'light', title: 'Light' }, { value: 'dark', title: 'Dark' }], dynamicTitle: true },
    },
  },
  initialGlobals: { scheme: 'light' },
  decorators: [withScheme],
};

export default preview;
