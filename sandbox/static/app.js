// The sandbox page: a Telegram-like chat that is only a client of the emulator's control API.
// Every message it shows was sent by the real bot; everything a person does here is what a
// Telegram client would send (a message, a button press, an inline query, a shared contact).
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  config: null,
  control: "",
  person: null,
  chats: new Map(), // chat id -> Map(message id -> message)
  unread: new Map(), // person id -> count
  hiddenKeyboards: new Set(), // "chat:message" of one-time keyboards already used
  inlineTimer: null,
  // The first event is every message so far: old news, not unread.
  caughtUp: false,
};

async function call(path, body) {
  const response = await fetch(state.control + path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!answer.ok) throw new Error(answer.description);
  return answer.result;
}

function user(person = state.person) {
  const { id, first_name, last_name, language_code } = person;
  return { id, first_name, last_name, language_code };
}

function toast(text, alert = false) {
  const box = $("toast");
  box.replaceChildren(text);
  box.className = alert ? "toast alert" : "toast";
  box.hidden = false;
  clearTimeout(toast.timer);
  if (alert) {
    const ok = document.createElement("button");
    ok.textContent = "OK";
    ok.onclick = () => { box.hidden = true; };
    box.append(ok);
  } else {
    toast.timer = setTimeout(() => { box.hidden = true; }, 2500);
  }
}

// Telegram's entities (UTF-16 offsets, as JavaScript strings count) as nested elements.
const TAGS = { bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
  pre: "pre", blockquote: "blockquote", expandable_blockquote: "blockquote" };

function entityElement(entity, text) {
  if (TAGS[entity.type]) return document.createElement(TAGS[entity.type]);
  if (entity.type === "spoiler") {
    const span = document.createElement("span");
    span.className = "spoiler";
    span.onclick = () => span.classList.add("shown");
    return span;
  }
  if (entity.type === "text_link" || entity.type === "url" || entity.type === "email") {
    const link = document.createElement("a");
    const href = entity.type === "text_link" ? entity.url : entity.type === "email" ? `mailto:${text}` : text;
    link.href = /^(https?:|mailto:|tg:)/.test(href) ? href : `https://${href}`;
    link.target = "_blank";
    link.rel = "noopener";
    return link;
  }
  if (entity.type === "bot_command") {
    const command = document.createElement("span");
    command.className = "command";
    command.onclick = () => sendText(text);
    return command;
  }
  return document.createElement("span");
}

function appendFormatted(parent, text, entities, start = 0, end = text.length) {
  let position = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    const entityEnd = entity.offset + entity.length;
    const inner = [];
    let next = index + 1;
    while (next < entities.length && entities[next].offset < entityEnd) inner.push(entities[next++]);
    if (entity.offset > position) parent.append(text.slice(position, entity.offset));
    const element = entityElement(entity, text.slice(entity.offset, entityEnd));
    appendFormatted(element, text, inner, entity.offset, entityEnd);
    parent.append(element);
    position = Math.max(position, entityEnd);
    index = next;
  }
  if (position < end) parent.append(text.slice(position, end));
}

function formatted(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  appendFormatted(fragment, text, sorted);
  return fragment;
}

function fileView(file) {
  const href = `${state.control}/files/${encodeURIComponent(file.file_id)}`;
  if (file.kind === "photo") {
    const image = document.createElement("img");
    image.src = href;
    image.alt = "photo";
    image.onclick = () => window.open(href, "_blank");
    return image;
  }
  const link = document.createElement("a");
  link.className = "document";
  link.href = href;
  link.download = file.file_name || "file";
  const icon = document.createElement("span");
  icon.className = "icon";
  icon.textContent = "⬇";
  const name = document.createElement("span");
  name.textContent = `${file.file_name || "file"} (${Math.ceil((file.file_size || 0) / 1024)} KB)`;
  link.append(icon, name);
  return link;
}

function inlineKeyboard(message) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  for (const row of message.reply_markup.inline_keyboard) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.url ? `${button.text} ↗` : button.text;
      element.onclick = () => pressInline(message, button);
      line.append(element);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function messageView(message) {
  const item = document.createElement("li");
  item.className = message.from_bot ? "message" : "message mine";
  item.dataset.id = message.message_id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (message.file) bubble.append(fileView(message.file));
  const contact = message.attachments && message.attachments.contact;
  if (contact) bubble.append(`📞 ${contact.first_name} ${contact.phone_number}`);
  if (message.text !== null) bubble.append(formatted(message.text, message.entities));
  if (message.caption) bubble.append(formatted(message.caption, message.caption_entities));
  const meta = document.createElement("span");
  meta.className = "meta";
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  meta.textContent = message.edited ? `edited ${time}` : time;
  bubble.append(meta);
  item.append(bubble);
  if (message.reply_markup && message.reply_markup.inline_keyboard) item.append(inlineKeyboard(message));
  return item;
}

function showMessage(message) {
  const list = $("messages");
  const old = list.querySelector(`li[data-id="${message.message_id}"]`);
  if (message.deleted) {
    if (old) old.remove();
    return;
  }
  const view = messageView(message);
  if (old) old.replaceWith(view);
  else {
    list.append(view);
    list.scrollTop = list.scrollHeight;
  }
}

function chatOf(chatId) {
  if (!state.chats.has(chatId)) state.chats.set(chatId, new Map());
  return state.chats.get(chatId);
}

function receive(messages) {
  for (const message of messages) {
    const chat = chatOf(message.chat_id);
    const isNew = !chat.has(message.message_id);
    chat.set(message.message_id, message);
    if (state.person && message.chat_id === state.person.id) showMessage(message);
    else if (isNew && message.from_bot && state.caughtUp) state.unread.set(message.chat_id, (state.unread.get(message.chat_id) || 0) + 1);
  }
  showReplyKeyboard();
  showPeople();
}

// The reply keyboard is the one the bot's latest message with a keyboard or its removal left.
function showReplyKeyboard() {
  const area = $("reply-keyboard");
  const messages = [...chatOf(state.person.id).values()].filter((m) => m.from_bot && !m.deleted && m.reply_markup);
  const last = messages.reverse().find((m) => m.reply_markup.keyboard || m.reply_markup.remove_keyboard);
  const key = last && `${last.chat_id}:${last.message_id}`;
  if (!last || !last.reply_markup.keyboard || state.hiddenKeyboards.has(key)) {
    area.hidden = true;
    return;
  }
  area.replaceChildren();
  for (const row of last.reply_markup.keyboard) {
    const line = document.createElement("div");
    line.className = "row";
    for (const raw of row) {
      const button = typeof raw === "string" ? { text: raw } : raw;
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.text;
      element.onclick = () => {
        if (last.reply_markup.one_time_keyboard) state.hiddenKeyboards.add(key);
        if (button.request_contact) shareContact();
        else if (button.web_app) openWebApp(button.web_app.url);
        else sendText(button.text);
      };
      line.append(element);
    }
    area.append(line);
  }
  area.hidden = false;
}

function showPeople() {
  const list = $("people");
  list.replaceChildren();
  for (const person of state.config.people) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.person = person.id;
    button.setAttribute("aria-current", String(person.id === state.person.id));
    const name = document.createElement("span");
    name.textContent = `${person.first_name} ${person.last_name}`;
    const role = document.createElement("span");
    role.className = "role";
    role.textContent = `${person.role} · ${person.language_code}`;
    name.append(role);
    const badge = document.createElement("span");
    const unread = state.unread.get(person.id) || 0;
    badge.className = unread ? "badge unread" : "badge";
    badge.textContent = unread ? String(unread) : "";
    button.append(name, badge);
    button.onclick = () => choosePerson(person);
    item.append(button);
    list.append(item);
  }
}

function choosePerson(person) {
  state.person = person;
  state.unread.delete(person.id);
  localStorage.setItem("sandbox-person", String(person.id));
  $("chat-person").textContent = `you are ${person.first_name} ${person.last_name} (${person.role})`;
  $("messages").replaceChildren();
  for (const message of chatOf(person.id).values()) showMessage(message);
  $("inline-results").hidden = true;
  $("command-menu").hidden = true;
  showReplyKeyboard();
  showPeople();
}

async function act(what) {
  try {
    return await what();
  } catch (error) {
    toast(error.message, true);
    return null;
  }
}

function sendText(text) {
  return act(() => call("/messages", { user: user(), text }));
}

function shareContact() {
  const person = state.person;
  const contact = { phone_number: person.phone, first_name: person.first_name, last_name: person.last_name, user_id: person.id };
  return act(() => call("/messages", { user: user(), contact }));
}

async function pressInline(message, button) {
  if (button.url) return window.open(button.url, "_blank");
  if (button.web_app) return openWebApp(button.web_app.url);
  if (button.copy_text) return navigator.clipboard.writeText(button.copy_text.text).then(() => toast("Copied"));
  const inline = button.switch_inline_query_current_chat ?? button.switch_inline_query;
  if (inline !== undefined) {
    $("input").value = `@${state.config.bot.username} ${inline}`;
    $("input").focus();
    return queryInline();
  }
  if (button.callback_data === undefined) return toast("This button does nothing here");
  const pressed = await act(() => call("/callbacks", {
    user: user(), chat_id: message.chat_id, message_id: message.message_id, callback_data: button.callback_data,
  }));
  if (!pressed) return;
  const answered = await act(() => call(`/callbacks/${pressed.id}/wait`, { timeout: 15 }));
  const answer = answered && answered.answer;
  if (answer && answer.text) toast(answer.text, answer.show_alert);
  if (answer && answer.url) window.open(answer.url, "_blank");
}

async function openWebApp(url) {
  const query = new URLSearchParams({ user_id: state.person.id, url });
  const response = await fetch(`/sandbox/api/webapp?${query}`);
  const opened = await response.json();
  if (!response.ok) return toast(opened.error, true);
  $("miniapp-frame").src = opened.url;
  $("miniapp").hidden = false;
}

// Inline mode: "@bot query" in the input asks the bot and lists its results under the input.
async function queryInline() {
  const prefix = `@${state.config.bot.username} `;
  const value = $("input").value;
  const results = $("inline-results");
  if (!value.startsWith(prefix)) {
    results.hidden = true;
    return;
  }
  const asked = await act(() => call("/inline_queries", { user: user(), query: value.slice(prefix.length) }));
  if (!asked) return;
  const answered = await act(() => call(`/inline_queries/${asked.id}/wait`, { timeout: 15 }));
  if (!answered || $("input").value !== value) return;
  results.replaceChildren();
  for (const result of answered.answer.results) {
    const item = document.createElement("li");
    const title = document.createElement("div");
    title.textContent = result.title || result.id;
    const description = document.createElement("div");
    description.className = "description";
    description.textContent = result.description || "";
    item.append(title, description);
    item.onclick = () => {
      results.hidden = true;
      $("input").value = "";
      const content = result.input_message_content || {};
      if (content.message_text) sendText(content.message_text);
    };
    results.append(item);
  }
  results.hidden = answered.answer.results.length === 0;
}

async function toggleCommandMenu() {
  const menu = $("command-menu");
  if (!menu.hidden) {
    menu.hidden = true;
    return;
  }
  const language = state.person.language_code;
  let commands = await act(() => call(`/commands?language_code=${encodeURIComponent(language)}`));
  if (!commands || commands.length === 0) commands = await act(() => call("/commands"));
  menu.replaceChildren();
  for (const command of commands || []) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `/${command.command}`;
    const description = document.createElement("span");
    description.className = "description";
    description.textContent = command.description;
    item.append(name, description);
    item.onclick = () => {
      menu.hidden = true;
      sendText(`/${command.command}`);
    };
    menu.append(item);
  }
  menu.hidden = false;
}

async function sandboxPost(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  return { ok: response.ok, body: await response.json() };
}

function listen() {
  const events = new EventSource(`${state.control}/events`);
  events.onmessage = (event) => {
    receive(JSON.parse(event.data));
    state.caughtUp = true;
  };
}

async function start() {
  state.config = await (await fetch("/sandbox/api/config")).json();
  state.control = `${state.config.emulator}/control`;
  $("bot-name").textContent = `@${state.config.bot.username}`;
  $("clock").textContent = new Date(state.config.clock).toLocaleString();
  const remembered = Number(localStorage.getItem("sandbox-person"));
  choosePerson(state.config.people.find((p) => p.id === remembered) || state.config.people[0]);
  $("composer").onsubmit = (event) => {
    event.preventDefault();
    const text = $("input").value.trim();
    if (!text) return;
    $("input").value = "";
    $("inline-results").hidden = true;
    sendText(text);
  };
  $("input").oninput = () => {
    clearTimeout(state.inlineTimer);
    state.inlineTimer = setTimeout(queryInline, 300);
  };
  $("menu-button").onclick = toggleCommandMenu;
  $("miniapp-close").onclick = () => {
    $("miniapp").hidden = true;
    $("miniapp-frame").src = "about:blank";
  };
  $("intake").onsubmit = async (event) => {
    event.preventDefault();
    const provider = event.submitter.dataset.provider;
    const fields = Object.fromEntries(new FormData($("intake")));
    const sent = await sandboxPost(`/sandbox/api/intake/${provider}`, fields);
    $("intake-status").textContent = sent.ok
      ? `${event.submitter.textContent}: the server answered ${sent.body.status} ${sent.body.answer}`
      : `Not sent: ${sent.body.error}${sent.body.field ? ` (${sent.body.field})` : ""}`;
  };
  for (const button of document.querySelectorAll("[data-step]")) {
    button.onclick = async () => {
      const moved = await sandboxPost("/sandbox/api/clock", { by: button.dataset.step });
      if (moved.ok) $("clock").textContent = new Date(moved.body.clock).toLocaleString();
    };
  }
  listen();
}

start();
