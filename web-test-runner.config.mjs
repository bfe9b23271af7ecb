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

export default {
  files: ['test/elements/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'production'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), localStack()],
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
