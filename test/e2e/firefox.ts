/**
 * Debian's Firefox ESR for the end-to-end and element tests, driven by puppeteer-core over
 * WebDriver BiDi (Playwright drives only its own patched Firefox builds, not a stock one).
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const firefoxAvailable = existsSync(FIREFOX);

/**
 * Fake camera and microphone without a prompt, autoplay with sound, and loopback ICE
 * candidates: without `media.peerconnection.ice.loopback` Firefox gathers none on 127.0.0.1 and
 * a call between two pages of one machine (or through a TURN server on loopback) never connects.
 * Screen capture has no fake source in Firefox; `media.getdisplaymedia.enabled` only keeps the
 * API on, and headless Firefox shares its own (blank) screen without asking.
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.getdisplaymedia.enabled': true,
};

/** The options both the e2e tests and the element tests' launcher start Firefox with. */
export const firefoxLaunchOptions = (): LaunchOptions => ({
  browser: 'firefox',
  executablePath: FIREFOX,
  headless: true,
  extraPrefsFirefox: FIREFOX_PREFS,
});

/** A page script that hangs fails its test within a minute, not puppeteer's default three. */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({ ...firefoxLaunchOptions(), protocolTimeout: 60_000 });
}
