import type { Preview } from '@storybook/web-components-vite';
import { defineAll } from '../src/define-all.ts';

defineAll();

const preview: Preview = {
  parameters: {
    layout: 'padded',
    controls: { expanded: true },
  },
};

export default preview;
