/**
 * Screenshots of answering invitations, into docs/screenshots/ (look at them after UI changes):
 * the invitee's card after answering Maybe, and the host's people list and invitations panel
 * with that answer and a new invitation's notification outcome, in English and Russian, 1280 px
 * and 360 px wide. Run: `node_modules/.bin/node --import tsx test/e2e/invitation-screenshots.ts`.
 * The stack's mail catcher takes the invitation, so the panel says the e-mail was sent.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage, type EnterPage } from './invitation-page.ts';
import { launchBrowser, signUp } from './support.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined, env: {}, mail: { port: 0, smtpPort: 0 } });
const crm = await serveCrmPage(stack);
const browser = await launchBrowser();
try {
  const [anna, boris, vera] = await Promise.all(['Anna', 'Boris', 'Vera'].map((name) => signUp(stack.url, stack.anonKey, name)));
  for (const user of [anna, vera]) await user.client.auth.signInWithPassword({ email: user.email, password: user.password });
  const startsAt = new Date(Date.now() + 3 * 3600_000).toISOString();

  for (const lang of ['en', 'ru'] as const) {
    for (const [width, height] of [[1280, 720], [360, 780]] as const) {
      const eventId = `crm-${lang}-${width}-${Date.now()}`;
      const { data: session, error } = await anna.client.rpc('event_video_call', { p_event_id: eventId, p_title: 'ACME renewal', p_scheduled_at: startsAt, p_attendees: [boris.id, vera.id] });
      if (error) throw new Error(error.message);
      await vera.client.rpc('answer_video_call_invitation', { p_session_id: session.id, p_status: 'accepted' });

      const invitee = await (await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 })).newPage();
      await invitee.goto(crm.url);
      await invitee.evaluate(
        ([email, password, html, lang]) => (window as never as EnterPage).enter(email, password, html, lang),
        [boris.email, boris.password, `<event-call-button event-id="${eventId}" attendees="${anna.id}" starts-at="${startsAt}" open="event"></event-call-button>`, lang],
      );
      const maybe = invitee.locator('event-call-button [part~="answer-tentative"]');
      await maybe.click();
      await invitee.waitForFunction(() => document.querySelector('event-call-button')!.shadowRoot!.querySelector('[part~="answer-tentative"]')!.getAttribute('aria-pressed') === 'true' && !document.querySelector('event-call-button')!.shadowRoot!.querySelector('[aria-busy="true"]'));
      await invitee.screenshot({ path: join(out, `answer-invitee-${lang}-${width}.png`), fullPage: true });

      const host = await (await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 })).newPage();
      await host.goto(crm.url);
      await host.evaluate(
        ([email, password, html, lang]) => (window as never as EnterPage).enter(email, password, html, lang),
        [anna.email, anna.password, `<call-participants session-id="${session.id}"></call-participants><call-invite-panel session-id="${session.id}"></call-invite-panel>`, lang],
      );
      const panel = host.locator('call-invite-panel');
      await panel.locator('#invitee').fill('dana@acme.test');
      await panel.locator('[part~="submit"]').click();
      await host.waitForFunction(() => {
        const text = document.querySelector('call-invite-panel')!.shadowRoot!.querySelector('[part~="message"]')!.textContent ?? '';
        return /e-mail|Письмо/.test(text);
      });
      await host.waitForFunction(() => (document.querySelector('call-participants')!.shadowRoot!.textContent ?? '').includes('dana'));
      await host.screenshot({ path: join(out, `answer-host-${lang}-${width}.png`), fullPage: true });
      await invitee.context().close();
      await host.context().close();
      console.log(`answer-invitee-${lang}-${width}.png, answer-host-${lang}-${width}.png`);
    }
  }
} finally {
  await browser.close();
  await crm.close();
  await stack.close();
}
