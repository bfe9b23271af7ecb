/**
 * Phones, shared by test/e2e/phones.test.ts and test/e2e/phone-screenshots.ts: Chromium's device
 * emulation (360 × 740 and 740 × 360, touch, 3× pixels) with two fake cameras (a phone's front
 * and back), the CRM page with the script-tag bundle, and what the tests measure in the page.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './support.ts';
import type { EnterPage } from './invitation-page.ts';

export const PORTRAIT = { width: 360, height: 740 };
export const LANDSCAPE = { width: 740, height: 360 };

/**
 * Chromium as a phone: two fake cameras (`device-count=2`), and — with `autoplay: 'gesture'` —
 * the policy that refuses sound until the user taps, as phone browsers do.
 */
export async function launchPhoneBrowser(options: { autoplay?: 'gesture' } = {}): Promise<Browser> {
  // Under the strict policy the phone's user has blocked camera and microphone (the test denies
  // them): Chromium lets a page that captures autoplay with sound, so only then does it refuse.
  const args = CHROMIUM_ARGS.filter((arg) => !(options.autoplay === 'gesture' && arg === '--use-fake-ui-for-media-stream')).map((arg) => {
    if (arg === '--use-fake-device-for-media-stream') return '--use-fake-device-for-media-stream=device-count=2';
    if (arg.startsWith('--autoplay-policy') && options.autoplay === 'gesture') return '--autoplay-policy=document-user-activation-required';
    return arg;
  });
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

export async function phoneContext(browser: Browser, viewport = PORTRAIT): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 3, isMobile: true, hasTouch: true });
  // tsx compiles the tests with esbuild's keepNames: functions sent to the page call its __name.
  await context.addInitScript('window.__name = (fn) => fn;');
  return context;
}

/** Page styles of a host that gives the call the whole phone screen. */
export const FULL_SCREEN = '<style>body { padding: 0 !important; } h1 { display: none; } #card { max-width: none !important; padding: 0 !important; border-radius: 0 !important; box-shadow: none !important; } video-call-room { height: 100dvh; border-radius: 0; }</style>';

/** Signs `user` in on the CRM page at `url` and puts `markup` in its card. */
export async function enter(page: Page, url: string, user: { email: string; password: string }, markup: string, lang = 'en'): Promise<void> {
  await page.goto(url);
  await page.evaluate(([email, password, html, lang]) => (window as never as EnterPage).enter(email, password, html, lang), [user.email, user.password, markup, lang]);
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PhoneLayout {
  viewport: { width: number; height: number };
  /** Anything wider than its box: the document, the element, the toolbar, or a button's text. */
  overflow: string[];
  toolbar: Box | null;
  controls: (Box & { name: string })[];
  tiles: Box[];
  /** `media`: the video has tracks to play (someone who blocked camera and mic has none). */
  videos: { local: boolean; playsInline: boolean; muted: boolean; paused: boolean; media: boolean }[];
  soundPrompt: (Box & { text: string }) | null;
  announcement: string;
  flip: boolean;
}

/**
 * Measures the `<video-call-room>` found by `path` (selectors, each step into the previous
 * match's shadow root): what the phone tests assert.
 */
export function measureRoom(page: Page, path: string[]): Promise<PhoneLayout> {
  return page.evaluate((path) => {
    let root: Document | ShadowRoot = document;
    let el: HTMLElement | null = null;
    for (const selector of path) {
      el = root.querySelector<HTMLElement>(selector);
      if (!el) throw new Error(`no ${selector}`);
      root = el.shadowRoot ?? root;
    }
    const room = el!;
    const shadow = room.shadowRoot!;
    function box(node: Element) {
      const r = node.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }
    const overflow: string[] = [];
    function wide(name: string, node: Element) {
      if (node.scrollWidth > node.clientWidth + 1) overflow.push(`${name}: ${node.scrollWidth} > ${node.clientWidth}`);
    }
    wide('document', document.documentElement);
    wide('room', room);
    const toolbar = shadow.querySelector('[part="controls"]');
    if (toolbar) wide('toolbar', toolbar);
    const controls = [...shadow.querySelectorAll<HTMLElement>('[part~="control"], [part~="sound-prompt"]')].filter((c) => c.getClientRects().length);
    for (const control of controls) wide(control.getAttribute('aria-label') ?? control.textContent!.trim(), control);
    const prompt = shadow.querySelector<HTMLElement>('[part~="sound-prompt"]');
    return {
      viewport: { width: innerWidth, height: innerHeight },
      overflow,
      toolbar: toolbar ? box(toolbar) : null,
      controls: controls.filter((c) => c.matches('[part~="control"]')).map((c) => ({ name: c.getAttribute('aria-label') ?? '', ...box(c) })),
      tiles: [...shadow.querySelectorAll('[part~="grid"] > [part~="tile"]')].map(box),
      videos: [...shadow.querySelectorAll<HTMLVideoElement>('video')].map((v) => ({ local: Boolean(v.closest('.local')), playsInline: v.playsInline && v.hasAttribute('playsinline'), muted: v.muted, paused: v.paused, media: Boolean((v.srcObject as MediaStream | null)?.getTracks().length) })),
      soundPrompt: prompt ? { text: prompt.textContent!.trim(), ...box(prompt) } : null,
      announcement: shadow.querySelector('[role="status"]')?.textContent ?? '',
      flip: Boolean(shadow.querySelector('[part~="flip"]')),
    };
  }, path);
}

/** Two boxes share area (touching edges do not count). */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
}
