// The element tests again, in Debian's Firefox ESR, driven over WebDriver BiDi by
// @web/test-runner-chrome's launcher with its own puppeteer-core 24 (its launcher calls
// browser.isConnected(), which puppeteer-core 25 no longer has). Same local stack, plugins and
// timeouts as web-test-runner.config.mjs; the prefs are the e2e tests' (test/e2e/firefox.ts).
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import chromium from './web-test-runner.config.mjs';
import { firefoxLaunchOptions } from './test/e2e/firefox.ts';

/**
 * Tests that cannot run in Firefox, by full title, each with the reason. They are marked pending
 * as they are declared (the runner counts them skipped, and prints them below); everything else
 * runs as in Chromium. Mocha's inverted grep would leave them out too, but the runner then counts
 * them failed.
 */
const CHROMIUM_ONLY = {
  // emulateMedia() goes through a CDP call that puppeteer's BiDi Firefox does not have
  // ("CDP support is required for this feature"); the test's own colours are checked in Chromium.
  '<call-invite-panel> follows the page’s colour scheme, with its custom properties on top': 'emulateMedia needs CDP',
  // Headless Firefox neither shows nor answers the notification prompt a press asks for, so the
  // refusal this test waits for never comes; every other <call-notifications> test runs here,
  // their permission set by the runner (overridePermissions works over BiDi).
  '<call-notifications> offers to turn on when permission was never given, and asks the browser on a press': 'no prompt answer in headless Firefox',
  // Firefox offers picture-in-picture only from its own video controls, not to pages
  // (document.pictureInPictureEnabled is undefined): the room shows no button there, which the
  // test before this one checks in Firefox.
  '<video-call-room> layouts follows the large person in picture-in-picture, and says so when the browser refuses it': 'no picture-in-picture for pages in Firefox',
};

/**
 * A page whose keyboard takes the key names sendKeys() passes in Chromium: over BiDi puppeteer
 * knows the space bar only as ' ', not as 'Space' ("Unknown key").
 */
async function createPage({ context }) {
  const page = await context.newPage();
  const keyboard = page.keyboard;
  for (const method of ['press', 'down', 'up']) {
    const original = keyboard[method].bind(keyboard);
    keyboard[method] = (key, ...rest) => original(key === 'Space' ? ' ' : key, ...rest);
  }
  return page;
}

/**
 * The runner's page with a watch on the global `it` that mocha's setup defines: a test declared
 * under an excluded title is made pending, so mocha does not run it.
 */
const testRunnerHtml = (testFramework) => `<!doctype html>
<html>
  <body>
    <script>
      const excluded = new Set(${JSON.stringify(Object.keys(CHROMIUM_ONLY))});
      let declare;
      Object.defineProperty(window, 'it', {
        configurable: true,
        get: () => declare,
        set(it) {
          declare = Object.assign((...args) => {
            const test = it(...args);
            if (excluded.has(test.fullTitle())) test.pending = true;
            return test;
          }, it);
        },
      });
    </script>
    <script type="module" src="${testFramework}"></script>
  </body>
</html>`;

for (const [title, reason] of Object.entries(CHROMIUM_ONLY)) console.log(`not run in Firefox (${reason}): ${title}`);

export default {
  ...chromium,
  browsers: [chromeLauncher({ puppeteer: puppeteerCore, launchOptions: firefoxLaunchOptions(), createPage })],
  testRunnerHtml,
};
