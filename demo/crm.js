// The demo CRM's own code: a week calendar, an event card and a deal panel. The call widgets
// arrive through the <script src="/call-widgets.min.js"> tag; this file only configures them,
// signs the chosen person in, and places elements with attributes — what a CRM template does.
/* global CallWidgets */
const { supabaseUrl, anonKey, vapidPublicKey, password, users } = window.DEMO_CONFIG;

// Each browser tab signs in on its own (sessionStorage), so two windows can be two people.
const calls = CallWidgets.configure({
  url: supabaseUrl,
  anonKey,
  options: { auth: { storage: window.sessionStorage, storageKey: 'northwind-crm-auth' } },
});

const text = {
  en: {
    'nav.deals': 'Deals',
    'nav.calendar': 'Calendar',
    'nav.contacts': 'Contacts',
    'nav.reports': 'Reports',
    'account.language': 'Language',
    'account.user': 'Signed in as',
    'calendar.eyebrow': 'My calendar',
    'card.eyebrow': 'Meeting',
    'deal.eyebrow': 'Deal',
    'deal.tasks': 'Tasks',
    'deal.activity': 'Activity',
    'facts.attendees': 'Attendees',
    'facts.deal': 'Deal',
    'facts.where': 'Where',
    'facts.video': 'Video call',
    'facts.amount': 'Amount',
    'facts.owner': 'Owner',
    'facts.close': 'Expected close',
    'internal': 'Internal meeting',
    'noDeal': 'No deal linked to this meeting.',
    'signingIn': 'Signing in…',
    'signedIn': 'Signed in as {name}',
    'signInFailed': 'Could not sign in: {message}',
    'activity.created': '{who} set up a video call for “{title}”',
    'activity.joined': '{who} joined the video call',
    'activity.left': '{who} left the video call',
    'activity.invited': '{who} invited {invitee}',
    'activity.empty': 'Calls started from this deal’s meetings are logged here.',
    'week': '{from} – {to}',
    'answer.declined': 'You declined the invitation to “{title}”',
    'answer.failed': 'Could not decline the invitation: {message}',
    'activity.declined': '{who} declined the video call',
  },
  ru: {
    'nav.deals': 'Сделки',
    'nav.calendar': 'Календарь',
    'nav.contacts': 'Контакты',
    'nav.reports': 'Отчёты',
    'account.language': 'Язык',
    'account.user': 'Вы вошли как',
    'calendar.eyebrow': 'Мой календарь',
    'card.eyebrow': 'Встреча',
    'deal.eyebrow': 'Сделка',
    'deal.tasks': 'Задачи',
    'deal.activity': 'История',
    'facts.attendees': 'Участники',
    'facts.deal': 'Сделка',
    'facts.where': 'Где',
    'facts.video': 'Видеозвонок',
    'facts.amount': 'Сумма',
    'facts.owner': 'Ответственный',
    'facts.close': 'Плановое закрытие',
    'internal': 'Внутренняя встреча',
    'noDeal': 'К этой встрече не привязана сделка.',
    'signingIn': 'Входим…',
    'signedIn': 'Вы вошли как {name}',
    'signInFailed': 'Не удалось войти: {message}',
    'activity.created': '{who}: создан видеозвонок «{title}»',
    'activity.joined': '{who}: подключение к видеозвонку',
    'activity.left': '{who}: выход из видеозвонка',
    'activity.invited': '{who} пригласил(а) {invitee}',
    'activity.empty': 'Здесь появятся звонки со встреч по этой сделке.',
    'week': '{from} – {to}',
    'answer.declined': 'Вы отклонили приглашение на «{title}»',
    'answer.failed': 'Не удалось отклонить приглашение: {message}',
    'activity.declined': '{who}: приглашение на видеозвонок отклонено',
  },
};
let lang = sessionStorage.getItem('northwind-lang') || 'en';
const t = (key, values = {}) => (text[lang][key] ?? text.en[key]).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '');

const userByKey = Object.fromEntries(users.map((user) => [user.key, user]));
const emails = (...keys) => keys.map((key) => userByKey[key].email);

// ---- CRM data: this week's meetings and the deals they belong to --------------------------------

const day = (offset, hours, minutes = 0) => {
  const date = new Date();
  date.setDate(date.getDate() + offset);
  date.setHours(hours, minutes, 0, 0);
  return date;
};
const now = new Date();
// The demo meeting starts just now, so its button says "Join now".
const demoStart = new Date(now.getTime() - 5 * 60_000);
demoStart.setSeconds(0, 0);
const isoDay = (date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

const deals = {
  'D-1042': {
    id: 'D-1042',
    title: 'Acme Corp — 120 seats',
    stage: { en: 'Proposal', ru: 'Предложение' },
    amount: 86400,
    owner: 'anna',
    close: day(21, 12),
    tasks: [
      { done: true, en: 'Send pricing for 120 seats', ru: 'Отправить расчёт на 120 мест' },
      { done: false, en: 'Product demo with Acme IT', ru: 'Демо продукта для ИТ Acme' },
      { done: false, en: 'Security questionnaire', ru: 'Анкета по безопасности' },
    ],
  },
  'D-1043': {
    id: 'D-1043',
    title: 'Globex — renewal',
    stage: { en: 'Negotiation', ru: 'Переговоры' },
    amount: 42000,
    owner: 'anna',
    close: day(9, 12),
    tasks: [
      { done: false, en: 'Agree on contract terms', ru: 'Согласовать условия договора' },
      { done: false, en: 'Legal review', ru: 'Юридическая проверка' },
    ],
  },
};

const video = { en: 'Video call', ru: 'Видеозвонок' };
const events = [
  { slug: 'umbrella-discovery', title: 'Umbrella — discovery call', start: day(-1, 11), minutes: 30, attendees: emails('anna', 'maria'), deal: null, where: video },
  { slug: 'acme-demo', title: 'Acme — product demo', start: demoStart, minutes: 45, attendees: emails('anna', 'boris', 'maria'), deal: 'D-1042', where: video },
  { slug: 'pipeline-review', title: 'Pipeline review', start: day(0, Math.min(22, now.getHours() + 3)), minutes: 60, attendees: emails('anna', 'boris'), deal: null, where: { en: 'Room 4 + video', ru: 'Переговорная 4 + видео' } },
  { slug: 'globex-terms', title: 'Globex — contract terms', start: day(1, 10), minutes: 60, attendees: emails('anna', 'maria'), deal: 'D-1043', where: video },
  { slug: 'acme-security', title: 'Acme — security review', start: day(2, 14, 30), minutes: 45, attendees: emails('boris', 'maria'), deal: 'D-1042', where: video },
  { slug: 'team-standup', title: 'Sales stand-up', start: day(3, 9, 30), minutes: 15, attendees: emails('anna', 'boris'), deal: null, where: video },
  { slug: 'globex-signoff', title: 'Globex — sign-off', start: day(4, 16), minutes: 30, attendees: emails('anna', 'maria'), deal: 'D-1043', where: video },
].map((event) => ({ ...event, id: `${event.slug}-${isoDay(event.start)}`, end: new Date(event.start.getTime() + event.minutes * 60_000) }));

let selected = events.find((event) => event.slug === 'acme-demo');
const activity = [];

// ---- rendering ---------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, children = []) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
};
const fmt = (options) => new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-US', options);
const timeOf = (date) => fmt({ hour: 'numeric', minute: '2-digit' }).format(date);
const hourOf = (date) => fmt({ hour: 'numeric' }).format(date);
const money = (amount) => new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(amount);
const nameOf = (email) => users.find((user) => user.email === email)?.name ?? email;
const initials = (name) => name.split(/\s+/).slice(0, 2).map((part) => part[0]).join('').toUpperCase();

function renderChrome() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('lang').value = lang;
  const days = [...Array(7)].map((_, i) => day(i - 1, 0));
  $('calendar-title').textContent = t('week', { from: fmt({ day: 'numeric', month: 'short' }).format(days[0]), to: fmt({ day: 'numeric', month: 'short', year: 'numeric' }).format(days[6]) });
}

function renderWeek() {
  const week = $('week');
  const first = Math.min(8, ...events.map((event) => event.start.getHours()));
  const last = Math.max(19, ...events.map((event) => event.end.getHours() + 1));
  week.style.setProperty('--hours', String(last - first));
  const columns = [el('div', { class: 'hours', 'aria-hidden': 'true' }, [...Array(last - first)].map((_, i) => el('span', {}, [hourOf(day(0, first + i))])))];
  for (let offset = -1; offset < 6; offset++) {
    const date = day(offset, 0);
    const today = offset === 0;
    const items = events
      .filter((event) => isoDay(event.start) === isoDay(date))
      .map((event) => {
        const top = (event.start.getHours() + event.start.getMinutes() / 60 - first) / (last - first);
        const height = event.minutes / 60 / (last - first);
        const active = event === selected;
        return el('li', { class: 'slot', style: `--top:${top};--height:${height}` }, [
          el(
            'button',
            {
              class: `event ${event.deal ? 'with-deal' : 'internal'} ${active ? 'active' : ''} ${event.end < now ? 'past' : ''}`,
              'aria-pressed': String(active),
              onclick: () => select(event),
            },
            [el('span', { class: 'event-title' }, [event.title]), el('span', { class: 'event-time' }, [`${timeOf(event.start)} – ${timeOf(event.end)}`])],
          ),
        ]);
      });
    columns.push(
      el('section', { class: `day ${today ? 'today' : ''}`, 'aria-label': fmt({ weekday: 'long', day: 'numeric', month: 'long' }).format(date) }, [
        el('h2', { class: 'day-head' }, [el('span', { class: 'weekday' }, [fmt({ weekday: 'short' }).format(date)]), el('span', { class: 'date' }, [String(date.getDate())])]),
        el('ul', { class: 'day-events' }, items),
      ]),
    );
  }
  week.replaceChildren(...columns);
}

function renderCard() {
  const event = selected;
  $('event-title').textContent = event.title;
  $('event-when').textContent = `${fmt({ weekday: 'long', day: 'numeric', month: 'long' }).format(event.start)} · ${timeOf(event.start)}–${timeOf(event.end)}`;
  const deal = event.deal ? deals[event.deal] : null;
  $('event-facts').replaceChildren(
    el('dt', {}, [t('facts.attendees')]),
    el('dd', { class: 'attendees' }, event.attendees.map((email) => el('span', { class: 'chip', title: email }, [el('span', { class: 'chip-avatar', 'aria-hidden': 'true' }, [initials(nameOf(email))]), nameOf(email)]))),
    el('dt', {}, [t('facts.deal')]),
    el('dd', {}, [deal ? `${deal.id} · ${deal.title}` : t('internal')]),
    el('dt', {}, [t('facts.where')]),
    el('dd', {}, [event.where[lang]]),
  );
  // The widgets, placed as a CRM template would: a tag and a few attributes.
  const button = el('event-call-button', {
    'event-id': event.id,
    title: event.title,
    'starts-at': event.start.toISOString(),
    attendees: event.attendees.map((email) => users.find((user) => user.email === email)?.id ?? email).join(','),
  });
  if (deal) {
    button.setAttribute('crm-entity-type', 'deal');
    button.setAttribute('crm-entity-id', deal.id);
  }
  $('call-slot').replaceChildren(button);
  $('people-slot').replaceChildren();
}

function renderDeal() {
  const deal = selected.deal ? deals[selected.deal] : null;
  document.querySelector('.deal').hidden = false;
  $('deal-title').textContent = deal ? deal.title : t('internal');
  $('deal-stage').textContent = deal ? deal.stage[lang] : '';
  $('deal-stage').hidden = !deal;
  $('deal-facts').replaceChildren(
    ...(deal
      ? [el('dt', {}, [t('facts.amount')]), el('dd', {}, [money(deal.amount)]), el('dt', {}, [t('facts.owner')]), el('dd', {}, [userByKey[deal.owner].name]), el('dt', {}, [t('facts.close')]), el('dd', {}, [fmt({ day: 'numeric', month: 'long' }).format(deal.close)])]
      : [el('dd', { class: 'muted' }, [t('noDeal')])]),
  );
  $('deal-tasks').replaceChildren(
    ...(deal?.tasks ?? []).map((task) =>
      el('li', { class: task.done ? 'done' : '' }, [el('span', { class: 'check', 'aria-hidden': 'true' }, [task.done ? '✓' : '']), task[lang]]),
    ),
  );
  renderCallHistory(deal);
  renderActivity();
}

/** The deal's calls (<call-history>): made once per deal, so a language switch only re-renders it. */
function renderCallHistory(deal) {
  const slot = $('deal-calls');
  if (!deal) return slot.replaceChildren();
  if (slot.querySelector('call-history')?.getAttribute('entity-id') === deal.id) return;
  slot.replaceChildren(el('call-history', { 'entity-type': 'deal', 'entity-id': deal.id }));
}

function renderActivity() {
  const entries = activity.filter((entry) => entry.eventId === selected.id || (selected.deal && entry.deal === selected.deal));
  $('activity').replaceChildren(
    ...(entries.length
      ? entries.map((entry) => el('li', {}, [el('time', { datetime: entry.at.toISOString() }, [timeOf(entry.at)]), ' ', entry.text()]))
      : [el('li', { class: 'muted' }, [t('activity.empty')])]),
  );
}

function select(event) {
  selected = event;
  renderWeek();
  renderCard();
  renderDeal();
  if (matchMedia('(max-width: 900px)').matches) $('event-card').focus();
}

// ---- the widgets' events: follow the button, and log calls on the deal (audit) ----------------

document.addEventListener('call-state', (event) => {
  // Once the meeting has a call, show its people under the button.
  const slot = $('people-slot');
  const current = slot.querySelector('call-participants');
  const { sessionId } = event.detail;
  if (!sessionId) return slot.replaceChildren();
  if (current?.getAttribute('session-id') === sessionId) return;
  slot.replaceChildren(el('call-participants', { 'session-id': sessionId }));
});

function log(eventId, textFn) {
  const event = events.find((item) => item.id === eventId) ?? selected;
  activity.unshift({ at: new Date(), eventId: event.id, deal: event.deal, text: textFn });
  renderActivity();
}
const me = () => currentUser?.name ?? '';
document.addEventListener('call-session-created', (event) => {
  const who = me();
  const title = events.find((item) => item.id === event.detail.eventId)?.title ?? '';
  log(event.detail.eventId, () => t('activity.created', { who, title }));
});
document.addEventListener('call-joined', () => {
  const who = me();
  log(selected.id, () => t('activity.joined', { who }));
});
document.addEventListener('call-left', () => {
  const who = me();
  log(selected.id, () => t('activity.left', { who }));
});
document.addEventListener('call-invite', (event) => {
  const who = me();
  log(event.detail.eventId, () => t('activity.invited', { who, invitee: event.detail.invitee }));
});

// ---- who is signed in --------------------------------------------------------------------------

let currentUser = null;

async function signIn(key) {
  const user = userByKey[key] ?? users[0];
  $('auth-status').textContent = t('signingIn');
  const { data } = await calls.supabase.auth.getSession();
  if (data.session?.user.email !== user.email) {
    await calls.supabase.auth.signOut({ scope: 'local' });
    const { error } = await calls.supabase.auth.signInWithPassword({ email: user.email, password });
    if (error) {
      $('auth-status').textContent = t('signInFailed', { message: error.message });
      return;
    }
  }
  currentUser = user;
  sessionStorage.setItem('northwind-user', user.key);
  $('user').value = user.key;
  $('user-avatar').textContent = initials(user.name);
  $('auth-status').textContent = t('signedIn', { name: user.name });
  renderCard();
}

// ---- arriving from a notification or an e-mail: /?event=<id>[&answer=declined] -----------------

/**
 * The join link (CALL_JOIN_URL) opens the meeting's card. A notification's Decline adds
 * `answer=declined` when its worker had no valid token to answer with: the page answers then.
 */
async function arrive(params) {
  if (params.get('answer') !== 'declined' || !selected || selected.id !== params.get('event')) return;
  const event = selected;
  try {
    const session = await calls.findSessionByEvent(event.id);
    if (!session) throw new Error(event.title);
    const { error } = await calls.supabase.rpc('answer_video_call_invitation', { p_session_id: session.id, p_status: 'declined' });
    if (error) throw new Error(error.message);
    $('auth-status').textContent = t('answer.declined', { title: event.title });
    const who = me();
    log(event.id, () => t('activity.declined', { who }));
  } catch (error) {
    $('auth-status').textContent = t('answer.failed', { message: error.message });
  }
  // Answered once: a reload must not answer again.
  params.delete('answer');
  history.replaceState(null, '', `${location.pathname}?${params}`);
}

function init() {
  $('user').replaceChildren(...users.map((user) => el('option', { value: user.key }, [`${user.name} — ${user.title}`])));
  $('user').addEventListener('change', (event) => void signIn(event.target.value));
  $('lang').addEventListener('change', (event) => {
    lang = event.target.value;
    sessionStorage.setItem('northwind-lang', lang);
    renderChrome();
    renderWeek();
    renderCard();
    renderDeal();
  });
  const params = new URLSearchParams(location.search);
  if (params.get('lang') === 'ru' || params.get('lang') === 'en') lang = params.get('lang');
  selected = events.find((event) => event.id === params.get('event')) ?? selected;
  $('bell').setAttribute('vapid-public-key', vapidPublicKey);
  renderChrome();
  renderWeek();
  renderDeal();
  void signIn(params.get('user') ?? sessionStorage.getItem('northwind-user') ?? 'anna').then(() => {
    if (params.has('event')) $('event-card').focus();
    return arrive(params);
  });
}

init();
