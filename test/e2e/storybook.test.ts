/**
 * Storybook check: `npm run build-storybook` works offline, and every story renders its element
 * in Chromium from fixture state, without a backend and without a script error, showing the state
 * it is named for.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support.ts';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'storybook-static');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };

describe('Storybook', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let stories: { id: string; title: string; name: string }[];

  before(async () => {
    execFileSync('npm', ['run', 'build-storybook'], { cwd: root, stdio: 'pipe', env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' } });
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    stories = Object.values(index.entries as Record<string, { id: string; title: string; name: string; type: string }>).filter((entry) => entry.type === 'story');
    server = createServer((req, res) => {
      const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
      try {
        const body = readFileSync(join(out, path === '/' ? 'index.html' : path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
  });

  /** What a story's element shows, read from its shadow root (and the panel and list nested in it). */
  function snapshot(page: Page) {
    return page.evaluate(() => {
      const element = document.querySelector('#storybook-root')!.querySelector('video-call-room, call-participants, event-call-button, call-invite-panel, call-notifications, call-chat, call-history') as HTMLElement & { state?: string };
      const shadow = element.shadowRoot!;
      const roots = [shadow];
      for (let i = 0; i < roots.length; i++) {
        for (const inner of roots[i].querySelectorAll('call-invite-panel, call-participants, call-chat')) if (inner.shadowRoot) roots.push(inner.shadowRoot);
      }
      const all = (selector: string) => roots.flatMap((root) => [...root.querySelectorAll<HTMLElement>(selector)]);
      const text = (node: Node | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
      // Your own tile, when it shows your picture.
      const local = shadow.querySelector('[part~="tile"].local:has(video:not([hidden]))');
      const controls = shadow.querySelector<HTMLElement>('[part="controls"]');
      const main = shadow.querySelector<HTMLButtonElement>('[part~="button"]');
      return {
        tag: element.localName,
        state: element.state ?? null,
        text: roots.map((root) => text(root)).join(' '),
        width: element.getBoundingClientRect().width,
        overflows: element.scrollWidth > element.clientWidth + 1 || Boolean(controls && controls.scrollWidth > controls.clientWidth + 1),
        busy: all('[aria-busy="true"]').length > 0,
        alerts: all('[role="alert"]').map((node) => text(node)),
        tiles: shadow.querySelectorAll('[part~="tile"]:not(.screen)').length,
        tileLabels: [...shadow.querySelectorAll('[part~="tile"]')].map((tile) => tile.getAttribute('aria-label') ?? ''),
        screens: shadow.querySelectorAll('[part~="tile"].screen').length,
        qualities: [...shadow.querySelectorAll('[part~="quality"]')].map((badge) => `${badge.getAttribute('aria-label')} ${badge.querySelectorAll('rect.lit').length}`),
        localName: local ? { name: getComputedStyle(local.querySelector('[part~="name"]')!).transform, video: getComputedStyle(local.querySelector('video')!).transform } : null,
        controls: [...shadow.querySelectorAll<HTMLButtonElement>('[part~="control"]')].map((control) => ({ label: control.getAttribute('aria-label'), pressed: control.getAttribute('aria-pressed'), disabled: control.hasAttribute('disabled') })),
        items: all('[part~="item"]').length,
        removes: all('[part~="remove"]').length,
        heading: text(roots.map((root) => root.querySelector('h3')).find(Boolean)),
        main: main ? { label: text(main), disabled: main.disabled } : null,
        answers: [...shadow.querySelectorAll<HTMLButtonElement>('[part~="answer-option"]')].map((option) => `${text(option)}${option.getAttribute('aria-pressed') === 'true' ? ' ✓' : ''}`),
        hint: text(shadow.querySelector('[part~="hint"]:not([hidden])')),
        panel: Boolean(shadow.querySelector('[part~="panel"]')),
        bar: text(shadow.querySelector('[part~="call-bar"]')),
        dialogOpen: Boolean(shadow.querySelector<HTMLDialogElement>('dialog')?.open),
        field: all('#invitee').map((input) => ({ value: (input as HTMLInputElement).value, disabled: (input as HTMLInputElement).disabled }))[0] ?? null,
        notice: text(all('[part~="notice"]')[0]),
        message: text(all('[part~="message"]')[0]),
        chat: {
          messages: all('[part~="message"].message').length,
          own: all('.message.own').length,
          days: all('[part~="day"]').length,
          links: all('a[part~="link"]').map((a) => (a as HTMLAnchorElement).href),
          markup: all('[part~="body"] b, [part~="body"] script').length,
          directions: all('[part~="body"]').map((body) => getComputedStyle(body).direction),
        },
        colours: colours(),
        layout: {
          large: shadow.querySelector<HTMLElement>('[part~="speaker"] [part~="tile"]')?.dataset.peer ?? null,
          strip: shadow.querySelectorAll('[part~="strip"] [part~="tile"]').length,
          pinned: [...shadow.querySelectorAll('[part~="pin"][aria-pressed="true"]')].map((pin) => pin.getAttribute('aria-label')),
          toggle: shadow.querySelector('[part~="layout-toggle"]')?.getAttribute('aria-pressed') ?? null,
        },
        room: {
          chatButton: shadow.querySelector('[part~="chat-toggle"]')?.getAttribute('aria-label') ?? null,
          badge: text(shadow.querySelector('[part~="chat-badge"]')),
          panel: (() => {
            const panel = shadow.querySelector('[part~="chat-panel"]');
            if (!panel) return null;
            const box = panel.getBoundingClientRect();
            const grid = shadow.querySelector('[part~="grid"]')!.getBoundingClientRect();
            return { width: Math.round(box.width), bottom: Math.round(box.bottom), besideTiles: box.left >= grid.right - 0.5, roomWidth: Math.round(element.getBoundingClientRect().width) };
          })(),
          hands: [...shadow.querySelectorAll('[part~="tile"]')].filter((tile) => tile.querySelector('[part~="hand-raised"]')).map((tile) => text(tile.querySelector('[part~="name"]'))),
          reactions: [...shadow.querySelectorAll('[part~="reaction"]')].map((node) => text(node)),
          menu: [...shadow.querySelectorAll('[part~="reaction-option"]')].map((option) => option.getAttribute('aria-label')),
        },
      };

      /** Text and background of what a reader reads first: the panel, the hint or list status, else the element; its background from the nearest opaque box. */
      function colours() {
        const probe =
          (shadow.querySelector('call-invite-panel') as HTMLElement | null) ??
          shadow.querySelector<HTMLElement>('[part~="hint"]:not([hidden])') ??
          roots.map((root) => root.querySelector<HTMLElement>('[part~="status"]')).find(Boolean) ??
          element;
        const rgb = (value: string) => (value.match(/[\d.]+/g) ?? []).map(Number);
        const luminance = ([r, g, b]: number[]) => {
          const channel = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
          return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
        };
        let box: Element | null = probe;
        let paper = 'rgb(255, 255, 255)';
        while (box) {
          const background = getComputedStyle(box).backgroundColor;
          const [, , , alpha = 1] = rgb(background);
          if (background !== 'transparent' && alpha === 1) {
            paper = background;
            break;
          }
          box = box.parentElement ?? ((box.getRootNode() as ShadowRoot).host ?? null);
        }
        const ink = getComputedStyle(probe).color;
        const [light, dark] = [luminance(rgb(ink)), luminance(rgb(paper))].sort((a, b) => b - a);
        return { ink, paper, paperLuminance: luminance(rgb(paper)), contrast: (light + 0.05) / (dark + 0.05) };
      }
    });
  }
  type Shown = Awaited<ReturnType<typeof snapshot>>;

  /**
   * What each story is named for. Every story needs an entry: a story without one fails, so a
   * new state comes with its check.
   */
  const expectations: Record<string, (shown: Shown) => void> = {
    // Host controls (issue 16): the lobby, removed and ended by the host, the unmute request, End for everyone, the host's list.
    // Layouts (issue 16): the speaker view and a pinned tile.
    'elements-layouts--speaker': (s) => {
      assert.deepEqual(s.layout, { large: 'user-1', strip: 4, pinned: [], toggle: 'true' });
      assert.equal(s.overflows, false, 'the strip scrolls inside, the toolbar fits');
    },
    'elements-layouts--pinned': (s) => assert.deepEqual(s.layout, { large: 'user-2', strip: 3, pinned: ['Unpin Maria Chen'], toggle: 'true' }),
    'elements-layouts--pinned-russian': (s) => assert.deepEqual(s.layout, { large: 'user-2', strip: 3, pinned: ['Открепить: Maria Chen'], toggle: 'true' }),
    'elements-host-controls--lobby-waiting': (s) => {
      assert.match(s.text, /Waiting for the host to let you in/);
      assert.match(s.text, /Leave call/);
      assert.equal(s.tiles, 0);
    },
    'elements-host-controls--lobby-waiting-russian': (s) => assert.match(s.text, /Ждём, когда организатор впустит вас/),
    'elements-host-controls--removed': (s) => assert.deepEqual(s.alerts, ['The host removed you from the call']),
    'elements-host-controls--moved-away': (s) => assert.match(s.text, /You joined this call from another tab or device.*Continue here/),
    'elements-host-controls--moved-away-russian': (s) => assert.match(s.text, /Вы подключились к этому звонку в другой вкладке или на другом устройстве.*Продолжить здесь/),
    'elements-host-controls--ended-russian': (s) => assert.deepEqual(s.alerts, ['Организатор завершил звонок для всех']),
    'elements-host-controls--asked-to-unmute': (s) => {
      assert.match(s.text, /The host asks you to unmute Unmute Not now/);
      assert.equal(s.controls.some((control) => control.label === 'End for everyone'), false, 'a guest has no End for everyone');
    },
    'elements-host-controls--host-in-the-call': (s) => assert.ok(s.controls.some((control) => control.label === 'End for everyone'), JSON.stringify(s.controls)),
    'elements-host-controls--host-confirming-end': (s) => assert.match(s.text, /Завершить звонок для всех\? Войти в него снова будет нельзя\. Завершить звонок Отмена/),
    'elements-host-controls--host-confirming-end-phone': (s) => {
      assert.match(s.text, /End the call for everyone\? Nobody can join it again\. End the call Cancel/);
      assert.ok(s.width <= 360, `${s.width} px`);
      assert.equal(s.overflows, false, 'the toolbar and the confirmation fit');
    },
    'elements-host-controls--host-list': (s) => {
      assert.match(s.text, /Waiting to join \(2\)/);
      assert.match(s.text, /Dmitri Sokolov Admit Decline EK Elena Kuznetsova Admit Decline/);
      assert.equal(s.items, 5, 'two waiting, three in the call');
    },
    'elements-host-controls--host-list-russian-phone': (s) => {
      assert.match(s.text, /Ждут входа \(2\)/);
      assert.ok(s.width <= 360, `${s.width} px`);
      assert.equal(s.overflows, false);
    },
    // The fallback ladder's notices (issue 15).
    'elements-video-call-room--fallback-relay': (s) => {
      assert.match(s.text, /goes through the relay server/);
      assert.equal(s.tiles, 2);
    },
    'elements-video-call-room--fallback-external': (s) => {
      assert.match(s.text, /not even through the relay server/);
      assert.match(s.text, /Open the external meeting/);
      assert.match(s.text, /Try connecting to .* again/);
    },
    'elements-video-call-room--fallback-none': (s) => {
      assert.match(s.text, /Не удалось подключиться к участнику/);
      assert.match(s.text, /VPN/);
    },
    'elements-video-call-room--fallback-unsupported': (s) => {
      assert.match(s.text, /This browser cannot make video calls/);
      assert.match(s.text, /Open the external meeting/);
      assert.equal(s.tiles, 0);
    },
    'elements-video-call-room--fallback-signaling': (s) => {
      assert.match(s.text, /Сервер звонка недоступен/);
    },
    // The SFU out of reach (issue 18): a small call goes on as a mesh; a large one waits for it.
    'elements-video-call-room--fallback-sfu-mesh': (s) => {
      assert.match(s.text, /The conference server cannot be reached: the call goes on peer to peer\./);
      assert.doesNotMatch(s.text, /VPN/);
      assert.equal(s.tiles, 4);
    },
    'elements-video-call-room--fallback-sfu-too-large': (s) => {
      assert.match(s.text, /Сервер конференций недоступен, а участников слишком много/);
      assert.doesNotMatch(s.text, /VPN/);
    },
    'elements-video-call-room--fallback-media-denied': (s) => {
      assert.match(s.text, /Camera and microphone are blocked/);
      assert.equal(s.tiles, 2);
    },
    // A screen share the browser refused: a short message, the button not pressed (issue 15).
    'elements-video-call-room--share-cancelled': (s) => {
      assert.match(s.text, /Screen sharing was cancelled or is not allowed on this page\./);
      assert.equal(s.controls.find((control) => control.label === 'Share screen')?.pressed, 'false');
    },
    'elements-video-call-room--share-unavailable-russian': (s) => {
      assert.match(s.text, /Этот браузер не может показать экран\./);
      assert.equal(s.controls.find((control) => control.label === 'Показать экран')?.pressed, 'false');
    },
    'elements-video-call-room--idle': (s) => {
      assert.match(s.text, /Ready to join\?/);
      assert.match(s.text, /Join call/);
      assert.equal(s.tiles, 0);
    },
    // The pre-join screen (issue 16): the browser's answers are the story's own.
    'elements-video-call-room--prejoin-preview': (s) => {
      assert.match(s.text, /Ready to join\?/);
      assert.match(s.text, /Your name/);
      assert.match(s.text, /Logitech C920/, 'the camera picker');
      assert.match(s.text, /Jabra Evolve2 40/, 'the microphone (and speaker) picker');
      assert.equal(s.overflows, false);
      assert.equal(s.tiles, 0);
    },
    'elements-video-call-room--prejoin-one-camera': (s) => {
      assert.match(s.text, /Camera: Integrated Webcam/, 'one camera is named, not offered');
    },
    'elements-video-call-room--prejoin-denied': (s) => {
      assert.match(s.alerts.join(' '), /The browser blocked the camera and microphone/);
      assert.match(s.text, /Try again/);
      assert.match(s.text, /Join call/);
    },
    'elements-video-call-room--prejoin-no-devices': (s) => {
      assert.match(s.alerts.join(' '), /Камера и микрофон не найдены/);
      assert.match(s.text, /Вы войдёте, чтобы смотреть и слушать/);
    },
    'elements-video-call-room--joining': (s) => {
      assert.match(s.text, /Joining the call/);
      assert.equal(s.busy, true);
      assert.equal(s.tiles, 0);
    },
    'elements-video-call-room--waiting-for-others': (s) => {
      assert.equal(s.tiles, 1);
      assert.match(s.text, /Waiting for others/);
    },
    'elements-video-call-room--two-people': (s) => {
      assert.equal(s.tiles, 2);
      assert.match(s.text, /2 in the call/);
      assert.doesNotMatch(s.text, /Waiting for others/);
    },
    'elements-video-call-room--four-people': (s) => {
      assert.equal(s.tiles, 4);
      assert.equal(s.tileLabels.filter((label) => label.includes('Camera off')).length, 1);
    },
    'elements-video-call-room--six-people': (s) => {
      assert.equal(s.tiles, 6);
      assert.equal(s.tileLabels.filter((label) => label.includes('Microphone off')).length, 1);
      assert.equal(s.tileLabels.filter((label) => label.includes('Camera off')).length, 1);
    },
    'elements-video-call-room--muted': (s) => {
      assert.deepEqual(s.controls[0], { label: 'Unmute microphone', pressed: 'false', disabled: false });
      assert.equal(s.tileLabels.filter((label) => label.includes('Microphone off')).length, 2);
    },
    'elements-video-call-room--screen-share': (s) => {
      assert.equal(s.screens, 1);
      assert.ok(s.tileLabels.includes('Boris Ivanov’s screen'), s.tileLabels.join(' | '));
    },
    'elements-video-call-room--reconnecting': (s) => {
      assert.deepEqual(s.alerts, ['Connection lost. Reconnecting…']);
      assert.equal(s.tiles, 2);
    },
    'elements-video-call-room--failed': (s) => {
      assert.deepEqual(s.alerts, ['You are not invited to this call.']);
      assert.match(s.text, /Try again/);
    },
    'elements-video-call-room--permission-denied': (s) => {
      assert.match(s.text, /Camera and microphone are blocked/);
      assert.deepEqual(s.controls.slice(0, 2).map((control) => control.disabled), [true, true]);
    },
    'elements-video-call-room--audio-only': (s) => {
      assert.match(s.text, /No camera found: others will hear you/);
      assert.equal(s.controls[1].pressed, 'false');
    },
    'elements-video-call-room--russian': (s) => {
      assert.equal(s.tiles, 4);
      assert.match(s.text, /В звонке: 4/);
      assert.deepEqual(s.controls[0].label, 'Выключить микрофон');
    },
    'elements-video-call-room--russian-reconnecting': (s) => assert.deepEqual(s.alerts, ['Связь потеряна. Переподключаемся…']),
    'elements-video-call-room--narrow': (s) => {
      assert.ok(s.width <= 360, `${s.width} px`);
      assert.equal(s.tiles, 4);
      assert.equal(s.overflows, false, 'the controls fit');
    },
    // Chat, raised hands and reactions in the room (issue 16).
    'elements-video-call-room--chat-unread': (s) => {
      assert.equal(s.room.chatButton, 'Chat, 3 unread');
      assert.equal(s.room.badge, '3');
      assert.equal(s.room.panel, null);
    },
    'elements-video-call-room--chat-open': (s) => {
      assert.equal(s.room.chatButton, 'Chat');
      assert.equal(s.chat.messages, 3);
      assert.ok(s.room.panel?.besideTiles, JSON.stringify(s.room.panel));
      assert.equal(s.overflows, false);
    },
    'elements-video-call-room--chat-phone': (s) => {
      assert.ok(s.width <= 360, `${s.width} px`);
      assert.equal(s.room.panel?.width, s.room.panel?.roomWidth, 'the sheet is as wide as the room');
      assert.match(s.text, /Close the chat|Can everyone see my screen\?/);
      assert.equal(s.chat.messages, 3);
    },
    'elements-video-call-room--chat-russian': (s) => {
      assert.equal(s.room.chatButton, 'Чат');
      assert.match(s.text, /Всем видно мой экран\?/);
      assert.match(s.text, /Отправить/);
    },
    'elements-video-call-room--hands-raised': (s) => {
      assert.deepEqual(s.room.hands, ['Anna Petrova (you)', 'Maria Chen']);
      assert.ok(s.controls.some((c) => c.label === 'Lower hand' && c.pressed === 'true'), JSON.stringify(s.controls));
      assert.equal(s.tileLabels.filter((label) => label.includes('Hand raised')).length, 2);
    },
    'elements-video-call-room--hands-raised-russian': (s) => {
      assert.deepEqual(s.room.hands, ['Maria Chen']);
      assert.ok(s.controls.some((c) => c.label === 'Поднять руку' && c.pressed === 'false'), JSON.stringify(s.controls));
      assert.equal(s.tileLabels.filter((label) => label.includes('Поднята рука')).length, 1);
    },
    'elements-video-call-room--quality-badges': (s) => {
      assert.deepEqual(s.qualities, ['Connection: good 3', 'Connection: fair 2', 'Connection: poor 1']);
      assert.doesNotMatch(s.text, /Your connection is poor/);
    },
    'elements-video-call-room--quality-badges-russian': (s) => assert.deepEqual(s.qualities, ['Соединение: хорошее 3', 'Соединение: среднее 2', 'Соединение: плохое 1']),
    'elements-video-call-room--quality-poor': (s) => {
      assert.match(s.text, /Your connection is poor: the others may see and hear you with breaks\./);
      assert.equal(s.qualities.length, 3);
    },
    'elements-video-call-room--reactions': (s) => {
      assert.deepEqual(s.room.menu, ['Thumbs up', 'Applause', 'Laughing', 'Heart', 'Celebrate', 'Surprised']);
      assert.deepEqual([...s.room.reactions].sort(), ['🎉', '👍'].sort());
    },
    'elements-call-participants--before-the-call': (s) => {
      assert.equal(s.items, 5);
      assert.equal(s.heading, 'People (5)');
      for (const answer of ['Accepted', 'Maybe', 'Invited, no answer yet', 'Declined']) assert.match(s.text, new RegExp(answer));
      assert.doesNotMatch(s.text, /· In the call/);
    },
    'elements-call-participants--in-the-call': (s) => {
      assert.equal(s.items, 6);
      assert.match(s.heading, /3 in the call/);
      for (const presence of ['Joining…', 'Left the call']) assert.match(s.text, new RegExp(presence));
    },
    'elements-call-participants--host-managing': (s) => {
      assert.equal(s.items, 5);
      assert.equal(s.removes, 4, 'a withdraw button on every guest');
      assert.doesNotMatch(s.text, /Loading/);
    },
    'elements-call-participants--empty': (s) => {
      assert.match(s.text, /Nobody is invited yet/);
      assert.equal(s.items, 0);
    },
    'elements-call-participants--loading': (s) => {
      assert.match(s.text, /Loading people…/);
      assert.equal(s.busy, true);
    },
    'elements-call-participants--russian': (s) => {
      assert.equal(s.heading, 'Участники (3) · в звонке: 2');
      assert.match(s.text, /Организатор/);
      assert.match(s.text, /Отклонено/);
    },
    'elements-call-participants--narrow': (s) => {
      assert.equal(s.width, 280);
      assert.equal(s.items, 4);
      assert.equal(s.overflows, false);
    },
    'elements-event-call-button--loading': (s) => {
      assert.deepEqual(s.main, { label: 'Checking the video call…', disabled: true });
      assert.equal(s.busy, true);
    },
    'elements-event-call-button--signed-out': (s) => assert.deepEqual([s.state, s.main], ['signed-out', { label: 'Sign in to join the video call', disabled: true }]),
    'elements-event-call-button--set-up': (s) => {
      assert.deepEqual([s.state, s.main?.label], ['none', 'Set up a video call']);
      assert.match(s.hint, /^Starts /);
    },
    'elements-event-call-button--start-now': (s) => assert.deepEqual([s.state, s.main?.label, s.hint], ['none', 'Join now', '']),
    'elements-event-call-button--scheduled': (s) => {
      assert.deepEqual([s.state, s.main?.label], ['scheduled', 'Join the video call']);
      assert.match(s.hint, /^Starts /);
      assert.doesNotMatch(s.text, /Invitations/, 'a guest does not manage invitations');
    },
    'elements-event-call-button--join-now': (s) => assert.deepEqual([s.state, s.main?.label], ['scheduled', 'Join now']),
    'elements-event-call-button--in-progress': (s) => assert.deepEqual([s.state, s.main?.label], ['live', 'Join · 3 in the call']),
    'elements-event-call-button--ended': (s) => assert.deepEqual([s.state, s.main?.label, s.hint], ['ended', 'Start a new call', 'The call has ended']),
    'elements-event-call-button--not-invited': (s) => assert.deepEqual([s.state, s.main], ['not-invited', { label: 'You are not invited to this call', disabled: true }]),
    'elements-event-call-button--failed': (s) => {
      assert.deepEqual([s.state, s.main?.label], ['error', 'Try again']);
      assert.deepEqual(s.alerts, ['Could not load the call: the server did not answer']);
    },
    'elements-event-call-button--host-with-invitations': (s) => {
      assert.equal(s.panel, true, 'the panel is open');
      assert.match(s.text, /User id or e-mail/);
      assert.equal(s.items, 3, 'the invited people are listed');
      assert.doesNotMatch(s.text, /Loading people/);
    },
    'elements-event-call-button--minimised': (s) => {
      assert.equal(s.dialogOpen, false);
      assert.equal(s.bar, 'In the call: Acme — product demo Return to the call Leave call');
      assert.deepEqual([s.state, s.main?.label], ['live', 'Return to the call']);
    },
    'elements-event-call-button--russian': (s) => assert.deepEqual([s.state, s.main?.label], ['live', 'Присоединиться · в звонке: 2']),
    'elements-event-call-button--russian-set-up': (s) => {
      assert.deepEqual([s.state, s.main?.label], ['none', 'Создать видеозвонок']);
      assert.match(s.hint, /^Начало: /);
    },
    'elements-event-call-button--dark-host-with-invitations': (s) => {
      assert.equal(s.panel, true, 'the panel is open');
      assert.equal(s.items, 3);
      assert.ok(s.colours.paperLuminance < 0.05, `a dark panel: ${s.colours.paper}`);
    },
    'elements-event-call-button--dark-ended': (s) => {
      assert.deepEqual([s.state, s.main?.label, s.hint], ['ended', 'Start a new call', 'The call has ended']);
      assert.ok(s.colours.paperLuminance < 0.05, s.colours.paper);
    },
    'elements-event-call-button--dark-russian-set-up': (s) => {
      assert.deepEqual([s.state, s.main?.label], ['none', 'Создать видеозвонок']);
      assert.ok(s.colours.paperLuminance < 0.05, s.colours.paper);
    },
    'elements-call-participants--dark': (s) => {
      assert.equal(s.items, 5);
      assert.ok(s.colours.paperLuminance < 0.05, s.colours.paper);
    },
    'elements-call-participants--dark-in-the-call': (s) => {
      assert.equal(s.heading, 'Участники (4) · в звонке: 3');
      assert.ok(s.colours.paperLuminance < 0.05, s.colours.paper);
    },
    'elements-video-call-room--dark': (s) => {
      assert.equal(s.tiles, 2);
      assert.ok(s.colours.paperLuminance < 0.05, s.colours.paper);
    },
    'elements-call-invite-panel--loading': (s) => {
      assert.deepEqual([s.state, s.notice, s.busy], ['loading', 'Loading the invitations…', true]);
      assert.equal(s.field, null, 'no form before the host is known');
    },
    'elements-call-invite-panel--ready': (s) => {
      assert.deepEqual([s.state, s.notice, s.field], ['ready', '', { value: '', disabled: false }]);
      assert.match(s.text, /User id or e-mail/);
      assert.equal(s.items, 4);
      assert.equal(s.removes, 3, 'a withdraw button on every guest');
    },
    'elements-call-invite-panel--empty': (s) => {
      assert.deepEqual([s.state, s.notice], ['empty', 'Nobody is invited yet. Invite people by e-mail or user id.']);
      assert.equal(s.items, 1);
    },
    'elements-call-invite-panel--busy': (s) => {
      assert.deepEqual([s.state, s.busy, s.field, s.message], ['ready', true, { value: 'maria@acme.test', disabled: true }, 'Inviting maria@acme.test…']);
    },
    'elements-call-invite-panel--invite-failed': (s) => {
      assert.deepEqual([s.busy, s.field], [false, { value: 'nobody', disabled: false }]);
      assert.match(s.message, /^Could not invite: /);
    },
    'elements-call-invite-panel--not-host': (s) => {
      assert.deepEqual([s.state, s.notice, s.field], ['not-host', 'Only the host of the call can invite people.', null]);
      assert.equal(s.items, 2);
      assert.equal(s.removes, 0);
    },
    'elements-call-invite-panel--failed': (s) => {
      assert.equal(s.state, 'error');
      assert.deepEqual(s.alerts, ['Could not load the invitations: the server did not answer']);
    },
    'elements-call-invite-panel--russian': (s) => {
      assert.match(s.text, /ID пользователя или e-mail/);
      assert.match(s.text, /Пригласить/);
      assert.equal(s.items, 4);
    },
    'elements-call-invite-panel--russian-empty': (s) => assert.deepEqual([s.state, s.notice], ['empty', 'Пока никто не приглашён. Пригласите по e-mail или ID пользователя.']),
    'elements-call-invite-panel--narrow': (s) => {
      assert.ok(s.width <= 300, `${s.width} px`);
      assert.equal(s.overflows, false);
      assert.equal(s.items, 4);
    },
    'elements-call-invite-panel--dark': (s) => {
      assert.equal(s.state, 'ready');
      assert.equal(s.colours.paper, 'rgb(30, 41, 59)', 'the dark surface');
    },
    'elements-call-notifications--unsupported': (s) => {
      assert.deepEqual([s.state, s.main], ['unsupported', { label: 'Call notifications', disabled: false }]);
      assert.match(s.message, /^This browser cannot show call notifications on this page/);
    },
    'elements-call-notifications--signed-out': (s) => assert.deepEqual([s.state, s.message], ['signed-out', 'Sign in to get call notifications.']),
    'elements-call-notifications--prompt': (s) => assert.deepEqual([s.state, s.message, s.busy], ['prompt', '', false]),
    'elements-call-notifications--denied': (s) => {
      assert.equal(s.state, 'denied');
      assert.match(s.message, /^Notifications are blocked for this site\. To allow them, click the icon to the left of the address bar/);
    },
    'elements-call-notifications--unsubscribed': (s) => assert.deepEqual([s.state, s.message], ['unsubscribed', '']),
    'elements-call-notifications--subscribed': (s) => assert.equal(s.state, 'subscribed'),
    'elements-call-notifications--working': (s) => assert.deepEqual([s.state, s.busy, s.message], ['working', true, 'Turning notifications on…']),
    'elements-call-notifications--failed': (s) => assert.deepEqual([s.state, s.message], ['error', 'Could not change notifications. push endpoint is refused']),
    'elements-call-notifications--russian-denied': (s) => {
      assert.equal(s.main?.label, 'Уведомления о звонках');
      assert.match(s.message, /^Уведомления для этого сайта заблокированы\./);
    },
    'elements-call-notifications--russian-subscribed': (s) =>
      assert.deepEqual([s.state, s.message], ['subscribed', 'Уведомления включены. Приглашения и напоминания будут приходить в этот браузер.']),
    'elements-call-notifications--narrow': (s) => {
      assert.equal(s.state, 'denied');
      assert.ok(s.width <= 48, `the bell alone: ${s.width} px`);
      assert.match(s.message, /How|allow/i);
    },
    'elements-call-notifications--dark': (s) => assert.equal(s.state, 'subscribed'),
    'elements-call-notifications--dark-russian-denied': (s) => assert.match(s.message, /^Уведомления для этого сайта заблокированы/),
    'elements-call-invite-panel--dark-russian-failed': (s) => {
      assert.match(s.message, /^Не удалось пригласить: /);
      assert.equal(s.colours.paper, 'rgb(30, 41, 59)');
    },
    'elements-call-invite-panel--invited-and-notified': (s) => assert.equal(s.message, 'maria@acme.test is invited. The e-mail was sent. A push notification was sent.'),
    'elements-call-invite-panel--invited-email-failed': (s) => assert.equal(s.message, 'maria@acme.test is invited. The e-mail could not be sent.'),
    'elements-call-invite-panel--russian-invited-email-failed': (s) =>
      assert.equal(s.message, 'maria@acme.test: приглашение создано. Письмо отправить не удалось. Push-уведомление отправлено.'),
    // The invitee's Yes / Maybe / No: `✓` marks the pressed one in the story's answer group.
    'elements-event-call-button--invitee-unanswered': (s) => {
      assert.deepEqual([s.state, s.main?.label], ['scheduled', 'Join the video call']);
      assert.deepEqual(s.answers, ['Yes', 'Maybe', 'No']);
      assert.match(s.text, /Will you attend\?/);
    },
    'elements-event-call-button--invitee-maybe': (s) => assert.deepEqual(s.answers, ['Yes', 'Maybe ✓', 'No']),
    'elements-event-call-button--invitee-declined': (s) => {
      assert.deepEqual(s.answers, ['Yes', 'Maybe', 'No ✓']);
      assert.deepEqual(s.main, { label: 'Join now', disabled: false }, 'a declined invitee may still join');
    },
    'elements-event-call-button--invitee-answering': (s) => {
      assert.deepEqual(s.answers, ['Yes ✓', 'Maybe', 'No']);
      assert.equal(s.busy, true);
    },
    'elements-event-call-button--invitee-answer-failed': (s) => {
      assert.deepEqual(s.answers, ['Yes', 'Maybe ✓', 'No'], 'the stored answer stays');
      assert.deepEqual(s.alerts, ['Could not save your answer: the server did not answer']);
    },
    'elements-event-call-button--russian-invitee': (s) => {
      assert.deepEqual(s.answers, ['Да ✓', 'Возможно', 'Нет']);
      assert.match(s.text, /Вы придёте\?/);
    },
    'elements-event-call-button--dark-invitee-maybe': (s) => {
      assert.deepEqual(s.answers, ['Yes', 'Maybe ✓', 'No']);
      assert.equal(s.colours.contrast >= 4.5, true);
    },
    // The call's chat (issue 16).
    'elements-call-chat--loading': (s) => assert.deepEqual([s.state, s.notice, s.busy], ['loading', 'Loading messages…', true]),
    'elements-call-chat--empty': (s) => assert.deepEqual([s.state, s.notice], ['empty', 'No messages yet. Write the first one.']),
    'elements-call-chat--conversation': (s) => {
      assert.equal(s.state, 'ready');
      assert.equal(s.chat.messages, 5);
      assert.equal(s.chat.own, 2);
      assert.equal(s.chat.days, 2);
      assert.deepEqual(s.chat.links, ['https://crm.example.com/deals/42']);
      assert.match(s.text, /<b>Not bold<\/b> <script>alert\(1\)<\/script>/);
      assert.equal(s.chat.markup, 0);
      assert.deepEqual(s.chat.directions, ['ltr', 'ltr', 'ltr', 'rtl', 'ltr']);
    },
    'elements-call-chat--older': (s) => assert.match(s.text, /Show earlier messages/),
    'elements-call-chat--sending': (s) => assert.match(s.text, /On my way Sending…/),
    'elements-call-chat--failed': (s) => {
      assert.match(s.text, /Not sent: Too many messages at once/);
      assert.match(s.text, /Send again/);
    },
    'elements-call-chat--ended': (s) => {
      assert.match(s.text, /Not sent: The call has ended\./);
      assert.match(s.text, /The call has ended: the chat can be read, not written\./);
    },
    'elements-call-chat--near-limit': (s) => assert.match(s.text, /3950 of 4000 characters/),
    'elements-call-chat--signed-out': (s) => assert.match(s.text, /Sign in to write in the chat\./),
    'elements-call-chat--load-failed': (s) => {
      assert.equal(s.state, 'error');
      assert.deepEqual(s.alerts, ['Could not load the chat: the network is down Try again']);
    },
    'elements-call-chat--russian': (s) => {
      assert.match(s.text, /Добрый день!/);
      assert.match(s.text, /Вы/);
      assert.match(s.text, /Отправить/);
    },
    'elements-call-chat--narrow': (s) => {
      assert.equal(s.chat.messages, 5);
      assert.equal(s.overflows, false);
      assert.ok(s.width <= 360);
    },
    'elements-call-chat--dark': (s) => assert.equal(s.chat.messages, 5),
    'elements-call-chat--dark-russian-failed': (s) => assert.match(s.text, /Не отправлено: Слишком много сообщений подряд/),
    // The CRM audit (issue 17): <call-history>.
    'elements-call-history--list': (s) => {
      assert.equal(s.state, 'ready');
      assert.match(s.text, /Calls \(3\) Export CSV/);
      assert.match(s.text, /Acme — product demo 1 h 4 min Anna Petrova 3 of 4 came 14 messages Who came/);
      assert.match(s.text, /Acme — security review In progress Boris Ivanov 2 of 3 came 2 messages/);
      assert.doesNotMatch(s.text, /In the call for/, 'who came stays closed');
    },
    'elements-call-history--expanded': (s) => assert.match(s.text, /Boris Ivanov Accepted In the call for 1 h 1 min Maria Chen Accepted In the call for 25 min Dmitry Sokolov Declined Did not join/),
    'elements-call-history--empty': (s) => assert.deepEqual([s.state, s.notice], ['empty', 'No calls yet.']),
    'elements-call-history--loading': (s) => assert.deepEqual([s.state, s.notice, s.busy], ['loading', 'Loading calls…', true]),
    'elements-call-history--failed': (s) => {
      assert.deepEqual(s.alerts, ['Could not load the calls: the connection failed']);
      assert.match(s.text, /Try again/);
    },
    'elements-call-history--signed-out': (s) => assert.deepEqual([s.state, s.notice], ['signed-out', 'Sign in to see the calls.']),
    'elements-call-history--russian': (s) => {
      assert.match(s.text, /Звонки \(3\) Выгрузить CSV/);
      assert.match(s.text, /Были 3 из 4 14 сообщений/);
      assert.match(s.text, /2 сообщения/);
      assert.match(s.text, /Борис Иванов Принято В звонке: 1 ч 1 мин/);
    },
    'elements-call-history--phone': (s) => {
      assert.match(s.text, /Дмитрий Соколов Отклонено Не подключался/);
      assert.ok(s.width <= 360, `${s.width} px`);
      assert.equal(s.overflows, false);
    },
    'elements-call-history--dark': (s) => assert.match(s.text, /In the call for 25 min/),
  };

  /** Opens one story's canvas and checks it until it shows its state (play functions act after the first render). */
  async function check(page: Page, id: string, expectation: (shown: Shown) => void): Promise<Shown> {
    // Dark stories run with the dark preference too: the elements' own defaults, under the toolbar's tokens.
    await page.emulateMedia({ colorScheme: /--dark/.test(id) ? 'dark' : 'light' });
    await page.goto(`${origin}/iframe.html?id=${id}&viewMode=story`);
    await page.waitForFunction(() => {
      const element = document.querySelector('#storybook-root')?.querySelector('video-call-room, call-participants, event-call-button, call-invite-panel, call-notifications, call-chat, call-history');
      return Boolean(element?.shadowRoot?.textContent?.trim());
    });
    const deadline = Date.now() + 5000;
    for (;;) {
      const shown = await snapshot(page);
      try {
        expectation(shown);
        return shown;
      } catch (error) {
        if (Date.now() > deadline) throw Object.assign(error as Error, { message: `${id}: ${(error as Error).message}\n${JSON.stringify(shown)}` });
      }
      await page.waitForTimeout(100);
    }
  }

  it('shows in every story the state the story is named for, without script errors', async () => {
    assert.ok(stories.length >= 30, `${stories.length} stories`);
    assert.deepEqual(stories.map((story) => story.id).filter((id) => !expectations[id]), [], 'every story says what it must show');
    const page = await browser.newPage();
    // tsx keeps function names with a `__name` helper, which the page-side snapshot then needs too.
    await page.addInitScript('globalThis.__name = (fn) => fn');
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    for (const story of stories) {
      const shown = await check(page, story.id, expectations[story.id]);
      assert.deepEqual(errors, [], `${story.id} threw`);
      // Text reads in both schemes (WCAG AA: 4.5:1).
      assert.ok(shown.colours.contrast >= 4.5, `${story.id}: ${JSON.stringify(shown.colours)}`);
      // Your own picture is mirrored, as in a mirror; your name never is.
      if (shown.localName) assert.deepEqual(shown.localName, { name: 'none', video: 'matrix(-1, 0, 0, 1, 0, 0)' }, story.id);
    }
  });
});
