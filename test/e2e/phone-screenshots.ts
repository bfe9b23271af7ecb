/**
 * Screenshots of the room on a phone, into docs/screenshots/phone-*.png (look at them after UI
 * changes): a call of two and of four, in English and Russian, upright (360 × 740) and sideways
 * (740 × 360). Run: `node_modules/.bin/node --import tsx test/e2e/phone-screenshots.ts`.
 */
import { join } from 'node:path';
import { startLocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage } from './invitation-page.ts';
import { enter, FULL_SCREEN, LANDSCAPE, launchPhoneBrowser, phoneContext, PORTRAIT } from './phone-page.ts';
import { launchBrowser, signUp } from './support.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
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
      await page.waitForFunction((count) => {
        const shadow = document.querySelector('video-call-room')!.shadowRoot!;
        const remote = [...shadow.querySelectorAll<HTMLVideoElement>('.tile:not(.local) video')];
        return remote.length === count - 1 && remote.every((v) => v.videoWidth > 0);
      }, count, { timeout: 40_000 });
      for (const [name, viewport] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]] as const) {
        await page.setViewportSize(viewport);
        await page.waitForTimeout(500); // a frame or two of video after the resize, for the picture only
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
