/**
 * Screenshots of the room on a phone, into docs/screenshots/phone-*.png (look at them after UI
 * changes): a call of two and of four, in English and Russian, upright (360 × 740) and sideways
 * (740 × 360). Run: `node_modules/.bin/node --import tsx test/e2e/phone-screenshots.ts`.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage } from './invitation-page.ts';
import { enter, FULL_SCREEN, LANDSCAPE, launchPhoneBrowser, phoneContext, PORTRAIT } from './phone-page.ts';
import { launchBrowser, signUp } from './support.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

/**
 * Waits until the room shows `count` tiles, every camera on, with frames the compositor has put on
 * screen since this call: a decoded first frame is not painted yet on a busy machine (the shots
 * of four once showed four empty tiles), and a resize repaints.
 */
function everyPicture(page: Page, count: number): Promise<unknown> {
  return page.evaluate(() => delete (window as never as { presented?: unknown }).presented).then(() =>
    page.waitForFunction(
      (count) => {
        const shadow = document.querySelector('video-call-room')!.shadowRoot!;
        const presented = ((window as never as { presented?: WeakMap<HTMLVideoElement, number> }).presented ??= new WeakMap());
        const videos = [...shadow.querySelectorAll<HTMLVideoElement>('.tile > video:not([hidden])')];
        for (const video of videos) {
          if (presented.has(video)) continue;
          presented.set(video, 0);
          const counted = () => {
            presented.set(video, presented.get(video)! + 1);
            video.requestVideoFrameCallback(counted);
          };
          video.requestVideoFrameCallback(counted);
        }
        // Initials over a video mean its picture has not come yet.
        return shadow.querySelectorAll('[part~="grid"] > [part~="tile"]').length === count && videos.length === count && !shadow.querySelector('.tile:has(> video:not([hidden])) > [part~="avatar"]') && videos.every((video) => presented.get(video)! >= 3);
      },
      count,
      { timeout: 40_000 },
    ),
  );
}
const stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined, env: {}, mail: false });
const crm = await serveCrmPage(stack);
const desktop = await launchBrowser();
const phone = await launchPhoneBrowser();
try {
  const people = await Promise.all(['Anna', 'Boris', 'Vera', 'Gleb'].map((name) => signUp(stack.url, stack.anonKey, name)));
  await people[0].client.auth.signInWithPassword({ email: people[0].email, password: people[0].password });
  for (const count of [2, 4]) {
    const { data: session } = await people[0].client.from('video_call_sessions').insert({ title: 'Phone' }).select().single();
    for (const guest of people.slice(1, count)) await people[0].client.from('video_call_participants').insert({ session_id: session.id, user_id: guest.id });
    const room = `${FULL_SCREEN}<video-call-room session-id="${session.id}" autojoin></video-call-room>`;
    const others = await Promise.all(people.slice(1, count).map(async (user) => {
      const page = await (await desktop.newContext()).newPage();
      await enter(page, crm.url, user, room);
      return page;
    }));
    for (const lang of ['en', 'ru']) {
      const context = await phoneContext(phone);
      const page = await context.newPage();
      await enter(page, crm.url, people[0], room, lang);
      for (const [name, viewport] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]] as const) {
        await page.setViewportSize(viewport);
        await everyPicture(page, count);
        const file = `phone-room-${count}-${lang}-${name}.png`;
        await page.screenshot({ path: join(out, file) });
        console.log(file);
      }
      await context.close();
    }
    for (const page of others) await page.context().close();
  }
} finally {
  await phone.close();
  await desktop.close();
  await crm.close();
  await stack.close();
}
