// Element tests in Debian's headless Chromium with a fake camera and microphone, against the
// embedded local stack (started once for the run; pages read its URL from /__stack.json).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { startLocalStack } from './supabase/local/server.ts';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function localStack() {
  let stack;
  return {
    name: 'local-stack',
    async serverStart() {
      stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined });
    },
    async serverStop() {
      await stack?.close();
    },
    serve(context) {
      if (context.path === '/__stack.json') {
        return { body: JSON.stringify({ url: stack.url, anonKey: stack.anonKey }), type: 'json' };
      }
      return undefined;
    },
  };
}

/**
 * `executeServerCommand('set-notification-permission', { setting })` from a test: the page's
 * notification permission as the browser's own settings would set it — `granted`, `denied`, or
 * `prompt` (the default, asking again) — for the <call-notifications> tests.
 */
function notificationPermission() {
  return {
    name: 'notification-permission',
    async executeCommand({ command, payload, session }) {
      if (command !== 'set-notification-permission') return undefined;
      const page = session.browser.getPage(session.id);
      const origin = new URL(page.url()).origin;
      const context = page.browserContext();
      if (payload?.setting === 'prompt') await context.clearPermissionOverrides();
      // Overriding with a list denies every permission not in it.
      else await context.overridePermissions(origin, payload?.setting === 'granted' ? ['notifications'] : []);
      return true;
    },
  };
}

export default {
  files: ['test/elements/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'production'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), localStack(), notificationPermission()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        headless: true,
        args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
      },
    }),
  ],
  concurrency: 1,
  testFramework: { config: { timeout: 30000 } },
  testsFinishTimeout: 300000,
};
