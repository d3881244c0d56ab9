// The page: log in or sign up, then the room list and one open room. Every
// change arrives as a signal on the socket (signals.js) and is then fetched
// through the REST API (api.js), as the design intends (docs/web.md).

import { Api, ApiError } from './api.js';
import { $, el, parseEmails, shortTime } from './dom.js';
import { Signals } from './signals.js';

const PAGE = 50; // messages per history page
const ROOMS_PAGE = 100;
const TOAST_MS = 6000;
const ALL_EVENTS = {
  'all.service-check': 'Service check',
  'all.biz-event': 'News',
  'all.new-feature': 'New feature',
};

const api = new Api();
const state = {
  me: null, // { id, nickname }
  signals: null,
  rooms: new Map(), // id -> room as GET /rooms shows it
  order: [], // room ids, most recent activity first
  nicknames: new Map(), // userId -> nickname (or a pending promise)
  leaving: new Set(), // rooms left (or being left): their signals and list entries are ignored
  current: null, // the open room, see openRoom()
};

// --- small utilities -------------------------------------------------------

/**
 * Runs `task` one at a time. A call while it runs queues one more run, shared
 * by every caller that arrives meanwhile; each caller waits for a run that
 * started after its call, never for the runs after that (a burst of signals
 * must not hold up the caller of the first one).
 */
function serialized(task) {
  let running = null;
  let queued = null;
  const run = () => {
    if (!running) {
      running = task().finally(() => { running = null; });
      return running;
    }
    queued ??= running.catch(() => {}).then(() => {
      queued = null;
      return run();
    });
    return queued;
  };
  return run;
}

/** Logs an unexpected failure quietly and tells the user; ApiErrors carry the server's message. */
function report(error) {
  if (error instanceof ApiError && error.status === 401) return; // the session ended: login form
  toast('Something went wrong', error instanceof ApiError ? error.message : 'Please try again.');
  console.warn(error);
}

function nickname(userId) {
  if (userId === state.me?.id) return state.me.nickname;
  const known = state.nicknames.get(userId);
  return typeof known === 'string' ? known : null;
}

/** Fetches the nicknames not known yet, then calls `done` once if any arrived. */
function resolveNicknames(userIds, done) {
  const missing = [...new Set(userIds)].filter((id) => id && !state.nicknames.has(id) && id !== state.me?.id);
  if (missing.length === 0) return;
  Promise.all(missing.map((id) => {
    const pending = api.get(`/users/${id}`)
      .then((u) => state.nicknames.set(id, u.nickname))
      .catch(() => state.nicknames.set(id, 'someone who left'));
    state.nicknames.set(id, pending);
    return pending;
  })).then(done);
}

function roomName(room) {
  return room?.name ?? 'Untitled room';
}

// --- toasts ------------------------------------------------------------------

function toast(title, body) {
  const close = el('button', { class: 'toast-close', text: '×', attrs: { type: 'button', 'aria-label': 'Dismiss' } });
  const node = el('div', { class: 'toast' },
    el('strong', { text: title }),
    body ? el('p', { text: body }) : null,
    close);
  const remove = () => node.remove();
  close.addEventListener('click', remove);
  setTimeout(remove, TOAST_MS);
  $('toasts').append(node);
}

// --- authentication ----------------------------------------------------------

function showAuth(message) {
  $('chat-view').hidden = true;
  $('auth-view').hidden = false;
  document.title = 'simple-chat';
  const error = $('login-form').querySelector('.form-error');
  error.textContent = message ?? '';
  $('login-form').querySelector('input[name=email]').focus();
}

function selectTab(which) {
  const login = which === 'login';
  $('tab-login').setAttribute('aria-selected', String(login));
  $('tab-signup').setAttribute('aria-selected', String(!login));
  $('login-form').hidden = !login;
  $('signup-form').hidden = login;
  (login ? $('login-form') : $('signup-form')).querySelector('input').focus();
}

function showFormErrors(form, error) {
  for (const span of form.querySelectorAll('.field-error')) {
    span.textContent = error?.fields?.[span.dataset.field] ?? '';
  }
  const hasFields = error && Object.keys(error.fields ?? {}).length > 0;
  form.querySelector('.form-error').textContent = error && !hasFields ? error.message : '';
}

async function submitAuth(form, action) {
  const data = new FormData(form);
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    showFormErrors(form, null);
    await action(data);
    form.reset();
    await startChat();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    showFormErrors(form, error);
  } finally {
    button.disabled = false;
  }
}

// --- room list ---------------------------------------------------------------

const refreshRooms = serialized(async () => {
  const page = await api.get(`/rooms?limit=${ROOMS_PAGE}`);
  const rooms = page.rooms.filter((r) => !state.leaving.has(r.id));
  state.rooms = new Map(rooms.map((r) => [r.id, r]));
  state.order = rooms.map((r) => r.id);
  for (const id of state.order) state.signals?.watch(id);
  if (state.current && !state.rooms.has(state.current.id)) closeRoom();
  renderRooms();
  resolveNicknames(rooms.map((r) => r.lastMessage?.senderId), renderRooms);
});

function preview(room) {
  const m = room.lastMessage;
  if (!m) return 'No messages yet';
  const who = m.senderId === state.me.id ? 'You' : nickname(m.senderId);
  const text = m.deleted ? 'message deleted' : m.text.split('\n')[0];
  return who ? `${who}: ${text}` : text;
}

function renderRooms() {
  const list = $('room-list');
  const items = state.order.map((id) => {
    const room = state.rooms.get(id);
    const unread = room.unreadCount > 0;
    const current = state.current?.id === id;
    const button = el('button', {
      class: 'room-item',
      attrs: { type: 'button', 'aria-current': current ? 'true' : null },
      dataset: { roomId: id },
      on: { click: () => openRoom(id).catch(report) },
    },
    el('span', { class: 'room-name', text: roomName(room) }),
    el('span', { class: 'room-time', text: shortTime(room.lastActivityAt) }),
    el('span', { class: 'room-preview', text: preview(room) }),
    unread ? el('span', { class: 'badge', text: room.unreadCount > 999 ? '999+' : room.unreadCount, attrs: { 'aria-label': `${room.unreadCount} unread` } }) : null);
    return el('li', { class: unread ? 'unread' : '' }, button);
  });
  // Keep keyboard focus on the same room while the list reorders.
  const focused = document.activeElement?.dataset?.roomId;
  list.replaceChildren(...items);
  if (focused) list.querySelector(`[data-room-id="${CSS.escape(focused)}"]`)?.focus();
  $('no-rooms').hidden = state.order.length > 0;
  const total = [...state.rooms.values()].reduce((n, r) => n + r.unreadCount, 0);
  document.title = total > 0 ? `(${total}) simple-chat` : 'simple-chat';
}

// --- the open room -----------------------------------------------------------

async function openRoom(id) {
  const room = state.rooms.get(id);
  if (!room) return;
  const current = {
    id,
    messages: new Map(), // seq -> message
    firstSeq: null,
    lastSeq: 0,
    hasOlder: false,
    loadingOlder: false,
    loaded: false, // the first page is in: signals before that wait (missedSignal)
    missedSignal: false,
    participants: [],
  };
  state.current = current;
  current.catchUp = serialized(() => catchUp(current));
  document.body.classList.add('in-room');
  $('no-room').hidden = true;
  $('room-body').hidden = false;
  $('room-title').textContent = roomName(room);
  $('messages').replaceChildren();
  renderRooms();

  const [page] = await Promise.all([
    api.get(`/rooms/${id}/messages?limit=${PAGE}`),
    loadParticipants(current),
  ]);
  if (state.current !== current) return;
  addMessages(current, page.messages);
  current.hasOlder = page.hasMore;
  current.loaded = true;
  if (current.missedSignal) await current.catchUp();
  scrollToBottom();
  await fillViewport(current);
  await markRead(current);
  if (!window.matchMedia('(pointer: coarse)').matches) $('message-text').focus();
}

function closeRoom() {
  state.current = null;
  document.body.classList.remove('in-room');
  $('room-body').hidden = true;
  $('no-room').hidden = false;
  renderRooms();
}

async function loadParticipants(current) {
  const { participants } = await api.get(`/rooms/${current.id}/participants`);
  if (state.current !== current) return;
  current.participants = participants;
  for (const p of participants) state.nicknames.set(p.userId, p.nickname);
  $('people-list').replaceChildren(...participants.map((p) =>
    el('li', { text: p.userId === state.me.id ? `${p.nickname} (you)` : p.nickname })));
  $('toggle-people').textContent = `People (${participants.length})`;
}

/** Renders messages into the list in seq order; known seqs are replaced (tombstones). */
function addMessages(current, messages) {
  const list = $('messages');
  for (const m of messages) {
    const node = renderMessage(m);
    const existing = current.messages.get(m.seq);
    current.messages.set(m.seq, m);
    if (existing) {
      list.querySelector(`[data-seq="${m.seq}"]`)?.replaceWith(node);
    } else if (current.firstSeq === null || m.seq > current.lastSeq) {
      list.append(node);
    } else if (m.seq < current.firstSeq) {
      list.prepend(node); // callers pass older pages newest first
    }
    current.firstSeq = current.firstSeq === null ? m.seq : Math.min(current.firstSeq, m.seq);
    current.lastSeq = Math.max(current.lastSeq, m.seq);
  }
  resolveNicknames(messages.map((m) => m.senderId), () => refreshSenders(current));
}

function renderMessage(m) {
  const mine = m.senderId === state.me.id;
  return el('li', { class: `message${mine ? ' mine' : ''}${m.deleted ? ' deleted' : ''}`, dataset: { seq: m.seq, sender: m.senderId } },
    el('div', { class: 'meta' },
      el('span', { class: 'sender', text: mine ? 'You' : (nickname(m.senderId) ?? '…') }),
      el('time', { text: shortTime(m.createdAt), attrs: { datetime: m.createdAt, title: new Date(m.createdAt).toLocaleString() } })),
    el('p', { class: 'text', text: m.deleted ? 'message deleted' : m.text }));
}

function refreshSenders(current) {
  if (state.current !== current) return;
  for (const node of $('messages').querySelectorAll('.message:not(.mine) .sender')) {
    node.textContent = nickname(node.closest('.message').dataset.sender) ?? '…';
  }
  renderRooms();
}

function nearBottom() {
  const list = $('messages');
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

function scrollToBottom() {
  const list = $('messages');
  list.scrollTop = list.scrollHeight;
}

/** Loads the page before the oldest message shown, keeping the view where it was. */
async function loadOlder(current) {
  if (!current.hasOlder || current.loadingOlder) return;
  current.loadingOlder = true;
  try {
    const page = await api.get(`/rooms/${current.id}/messages?before=${current.firstSeq}&limit=${PAGE}`);
    if (state.current !== current) return;
    const list = $('messages');
    const before = list.scrollHeight;
    addMessages(current, [...page.messages].reverse());
    list.scrollTop += list.scrollHeight - before;
    current.hasOlder = page.hasMore;
  } finally {
    current.loadingOlder = false;
  }
}

/** Older pages until the list can scroll (a tall window shows more than one page). */
async function fillViewport(current) {
  const list = $('messages');
  while (state.current === current && current.hasOlder && list.scrollHeight <= list.clientHeight) {
    await loadOlder(current);
  }
}

/** After a signal: every message newer than the last one shown (repairs missed signals too). */
async function catchUp(current) {
  if (!current.loaded) {
    current.missedSignal = true; // openRoom catches up once its first page is in
    return;
  }
  const stick = nearBottom();
  for (;;) {
    const page = await api.get(`/rooms/${current.id}/messages?after=${current.lastSeq}&limit=200`);
    if (state.current !== current) return;
    addMessages(current, page.messages);
    if (!page.hasMore) break;
  }
  if (stick) scrollToBottom();
  await markRead(current);
}

async function markRead(current) {
  const room = state.rooms.get(current.id);
  if (!room || document.visibilityState !== 'visible' || state.current !== current) return;
  if (current.lastSeq <= room.lastReadSeq && room.unreadCount === 0) return;
  const marker = await api.put(`/rooms/${current.id}/read`, { seq: current.lastSeq });
  const fresh = state.rooms.get(current.id); // the list may have been fetched meanwhile
  if (fresh) Object.assign(fresh, { lastReadSeq: marker.lastReadSeq, unreadCount: marker.unreadCount });
  renderRooms();
  // A list fetched while the marker moved may still show the old count: fetch once more.
  refreshRooms().catch(report);
}

async function sendMessage() {
  const box = $('message-text');
  const text = box.value;
  const current = state.current;
  if (!current || text.trim() === '') return;
  box.value = '';
  autosize();
  try {
    const message = await api.post(`/rooms/${current.id}/messages`, { text });
    if (state.current === current && message.seq === current.lastSeq + 1) {
      addMessages(current, [message]);
      scrollToBottom();
    } else if (state.current === current) {
      await current.catchUp();
      scrollToBottom();
    }
    refreshRooms().catch(report);
  } catch (error) {
    box.value = text; // nothing lost: put it back
    autosize();
    report(error);
  }
}

function autosize() {
  const box = $('message-text');
  box.style.height = 'auto';
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

// --- dialogs -----------------------------------------------------------------

let roomDialogMode = 'create';

function openRoomDialog(mode) {
  roomDialogMode = mode;
  const form = $('room-form');
  form.reset();
  form.querySelector('.form-error').textContent = '';
  $('room-dialog-title').textContent = mode === 'create' ? 'New room' : `Invite to ${roomName(state.rooms.get(state.current?.id))}`;
  $('room-name-label').hidden = mode !== 'create';
  form.querySelector('button[type=submit]').textContent = mode === 'create' ? 'Create' : 'Invite';
  $('room-dialog').showModal();
}

async function submitRoomDialog(event) {
  event.preventDefault();
  const form = $('room-form');
  const data = new FormData(form);
  const emails = parseEmails(String(data.get('emails') ?? ''));
  const error = form.querySelector('.form-error');
  try {
    if (roomDialogMode === 'create') {
      const name = String(data.get('name') ?? '').trim();
      const room = await api.post('/rooms', { ...(name ? { name } : {}), participantIds: [], participantEmails: emails });
      $('room-dialog').close();
      state.signals.watch(room.id);
      await refreshRooms();
      await openRoom(room.id);
    } else {
      if (emails.length === 0) {
        error.textContent = 'Enter at least one e-mail address.';
        return;
      }
      const current = state.current;
      const { added } = await api.post(`/rooms/${current.id}/participants`, { emails });
      $('room-dialog').close();
      toast(added.length ? `Invited ${added.map((p) => p.nickname).join(', ')}` : 'Everyone is already here');
      await loadParticipants(current);
    }
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    error.textContent = Object.values(e.fields).join('; ') || e.message;
  }
}

async function leaveRoom() {
  const current = state.current;
  if (!current) return;
  $('confirm-text').textContent = `Leave ${roomName(state.rooms.get(current.id))}? You can come back only if someone invites you.`;
  const dialog = $('confirm-dialog');
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'ok') return;
  // From here on the room's own signals (our room.person.out among them) may
  // arrive before the answer; its data is 404 to us then, so ignore them.
  state.leaving.add(current.id);
  try {
    await api.delete(`/rooms/${current.id}/participants/me`);
  } catch (error) {
    state.leaving.delete(current.id);
    throw error;
  }
  state.signals.forget(current.id);
  state.rooms.delete(current.id);
  state.order = state.order.filter((id) => id !== current.id);
  if (state.current === current) closeRoom();
  await refreshRooms();
}

// --- signals -----------------------------------------------------------------

async function onSignal(event) {
  const type = event['msg-type'];
  if (event['relay-type'] === 'all') {
    toast(ALL_EVENTS[type] ?? 'Announcement', event.title ?? event.body ?? null);
    return;
  }
  if (type === 'person.invited') {
    state.leaving.delete(event.roomId); // invited back into a room we left
    state.signals.watch(event.roomId);
    refreshRooms().catch(report);
    const [room, who] = await Promise.all([
      api.get(`/rooms/${event.roomId}`).catch(() => null), // gone again already: no name
      nickname(event.actorId) ?? api.get(`/users/${event.actorId}`).then((u) => u.nickname, () => 'Someone'),
    ]);
    toast(`${who} invited you`, room ? roomName(room) : null);
    return;
  }
  // Room signals: only for rooms we are in (the channel outlives a leave).
  if (!state.rooms.has(event.roomId) || state.leaving.has(event.roomId)) return;
  const current = state.current?.id === event.roomId ? state.current : null;
  switch (type) {
    case 'room.msg.new':
      if (current) await current.catchUp();
      await refreshRooms();
      break;
    case 'room.msg.deleted':
      if (current) {
        const message = await api.get(`/rooms/${current.id}/messages/${event.messageId}`);
        if (state.current === current) addMessages(current, [message]);
      }
      await refreshRooms();
      break;
    case 'room.person.in':
    case 'room.person.out':
      if (current) await loadParticipants(current);
      break;
    case 'room.updated':
      await refreshRooms();
      if (current) $('room-title').textContent = roomName(state.rooms.get(current.id));
      break;
    default:
      break; // a signal this page does not use
  }
}

/** After every (re)connection: signals may have been missed, so fetch again. */
function onReconnect() {
  refreshRooms().catch(report);
  if (state.current) state.current.catchUp().catch(report);
}

// --- start -------------------------------------------------------------------

async function startChat() {
  const me = await api.get('/users/me');
  state.me = { id: me.id, nickname: me.nickname };
  $('me').textContent = me.nickname;
  $('auth-view').hidden = true;
  $('chat-view').hidden = false;
  closeRoom();
  state.signals?.close();
  state.signals = new Signals(api, me.id, {
    onEvent: (e) => onSignal(e).catch(report),
    onConnect: onReconnect,
  });
  await refreshRooms();
}

function stopChat() {
  state.signals?.close();
  state.signals = null;
  state.rooms.clear();
  state.order = [];
  state.current = null;
  state.leaving.clear();
  state.nicknames.clear();
}

function wire() {
  $('tab-login').addEventListener('click', () => selectTab('login'));
  $('tab-signup').addEventListener('click', () => selectTab('signup'));
  for (const tab of [$('tab-login'), $('tab-signup')]) {
    tab.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') selectTab(tab.id === 'tab-login' ? 'signup' : 'login');
    });
  }
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submitAuth($('login-form'), (d) => api.logIn(String(d.get('email')), String(d.get('password')))).catch(report);
  });
  $('signup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submitAuth($('signup-form'), (d) => api.signUp(String(d.get('email')), String(d.get('nickname')), String(d.get('password')))).catch(report);
  });
  $('logout').addEventListener('click', () => {
    stopChat();
    api.logOut().finally(() => showAuth());
  });
  $('new-room').addEventListener('click', () => openRoomDialog('create'));
  $('invite').addEventListener('click', () => openRoomDialog('invite'));
  $('room-form').addEventListener('submit', (e) => submitRoomDialog(e).catch(report));
  $('room-form').querySelector('.cancel').addEventListener('click', () => $('room-dialog').close());
  $('leave').addEventListener('click', () => leaveRoom().catch(report));
  $('back').addEventListener('click', () => {
    const id = state.current?.id;
    closeRoom();
    if (id) $('room-list').querySelector(`[data-room-id="${CSS.escape(id)}"]`)?.focus();
  });
  $('toggle-people').addEventListener('click', () => {
    const people = $('people');
    people.hidden = !people.hidden;
    $('toggle-people').setAttribute('aria-expanded', String(!people.hidden));
  });
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    sendMessage();
  });
  const box = $('message-text');
  box.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a new line; never while an IME composes.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendMessage();
    }
  });
  box.addEventListener('input', autosize);
  $('messages').addEventListener('scroll', () => {
    const current = state.current;
    if (current && $('messages').scrollTop < 120) loadOlder(current).catch(report);
  });
  document.addEventListener('visibilitychange', () => {
    if (state.current) markRead(state.current).catch(report);
  });
  api.onSessionEnd = () => {
    stopChat();
    showAuth('Your session ended. Please log in again.');
  };
}

wire();
if (api.loggedIn) {
  startChat().catch((error) => {
    if (!(error instanceof ApiError)) report(error);
    showAuth();
  });
} else {
  showAuth();
}
