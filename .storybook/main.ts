// Storybook for the elements, rendered from fixture state (stories/fixtures.ts): no backend,
// no network. `npm run storybook` serves it; `npm run build-storybook` writes storybook-static/.
import type { StorybookConfig } from '@storybook/web-components-vite';

const config: StorybookConfig = {
  framework: { name: '@storybook/web-components-vite', options: {} },
  stories: ['../stories/**/*.stories.ts'],
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
};

export default config;
