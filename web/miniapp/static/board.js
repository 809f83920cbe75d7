/* The pipeline board: columns of cards, dragged between stages with SortableJS. Every change
   goes through the API, which applies the CRM's own rules; the page only shows the outcome. */
"use strict";
const tg = window.Telegram.WebApp;
const state = { me: null, strings: {}, filters: {}, columns: new Map(), sheetLead: null, prompt: null };
const $ = (id) => document.getElementById(id);
const t = (key) => state.strings[key] || key;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) if (child != null) node.append(child);
  return node;
}

async function api(method, path, body) {
  const response = await fetch("api/" + path, {
    method,
    headers: { Authorization: "tma " + tg.initData, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw Object.assign(new Error(data.error), { status: response.status, data });
  return data;
}

function applyTheme() {
  const root = document.documentElement;
  for (const [name, colour] of Object.entries(tg.themeParams || {})) {
    root.style.setProperty("--tg-theme-" + name.replace(/_/g, "-"), colour);
  }
  const bg = (tg.themeParams || {}).bg_color || "#ffffff";
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
  root.classList.toggle("dark", 0.2126 * r + 0.7152 * g + 0.0722 * b < 128);
}

function money(amount, currency) {
  try {
    return new Intl.NumberFormat(state.me.language, { style: "currency", currency,
      maximumFractionDigits: 0 }).format(Number(amount));
  } catch (_) { return amount + " " + currency; }
}

function moneyList(amounts) {
  const parts = Object.entries(amounts).map(([currency, amount]) => money(amount, currency));
  return parts.length ? parts.join(", ") : "—";
}

function when(iso) {
  return new Intl.DateTimeFormat(state.me.language, { dateStyle: "medium", timeStyle: "short" })
    .format(new Date(iso));
}

function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function filterQuery() {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(state.filters)) if (value) query.set(name, value);
  return query.toString();
}

/* ---- the board ---- */

function cardNode(card) {
  const meta = el("div", { className: "meta" },
    el("span", { className: "value", textContent: card.value ? money(card.value, card.currency) : t("card-no-value") }),
    el("span", { textContent: card.responsible || t("card-nobody") }));
  for (const tag of card.tags) meta.append(el("span", { className: "tag", textContent: "#" + tag }));
  if (card.next_task) {
    meta.append(el("span", { textContent: "⏰ " + card.next_task.title + ", " + when(card.next_task.due_at) }));
  }
  if (card.idle) meta.append(el("span", { className: "idle", textContent: t("miniapp-idle") }));
  const node = el("article", { className: "card" }, el("h3", { textContent: card.title }), meta);
  node.dataset.leadId = card.id;
  node.dataset.version = card.version;
  node.addEventListener("click", () => openSheet(card.id));
  return node;
}

function columnNode(column) {
  const figures = el("div", { className: "figures" });
  const list = el("div", { className: "cards" });
  list.dataset.stageId = column.stage.id;
  const node = el("section", { className: "column" },
    el("header", {}, el("h2", {}, el("span", { textContent: column.stage.name }),
      el("span", { className: "count" })), figures), list);
  node.dataset.stageId = column.stage.id;
  node.dataset.kind = column.stage.kind;
  state.columns.set(column.stage.id, { node, list, figures, next: null });
  Sortable.create(list, {
    group: "board", sort: false, animation: 120, ghostClass: "card-ghost", forceFallback: true,
    delay: 120, delayOnTouchOnly: true, touchStartThreshold: 4, onEnd: dropped,
  });
  return node;
}

function showFigures(column) {
  const shown = state.columns.get(column.stage.id);
  shown.node.querySelector(".count").textContent = column.count;
  shown.figures.textContent = moneyList(column.totals) + " · " + t("miniapp-weighted") + " " + moneyList(column.weighted);
}

function showPage(stageId, page) {
  const shown = state.columns.get(stageId);
  shown.list.querySelector(".more")?.remove();
  for (const card of page.cards) shown.list.append(cardNode(card));
  shown.next = page.next;
  if (page.next) {
    const more = el("button", { className: "more", textContent: t("miniapp-more"), type: "button" });
    more.addEventListener("click", () => loadMore(stageId));
    shown.list.append(more);
    nearTheEnd.observe(more);
  }
}

/* A long column loads its next page as its end scrolls into view (or on a tap). */
const nearTheEnd = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    nearTheEnd.unobserve(entry.target);
    loadMore(Number(entry.target.closest(".cards").dataset.stageId)).catch(told);
  }
}, { rootMargin: "200px" });

async function loadMore(stageId) {
  const shown = state.columns.get(stageId);
  if (!shown.next || shown.loading) return;
  shown.loading = true;
  const query = filterQuery();
  try {
    const page = await api("GET", `stages/${stageId}/cards?after=${encodeURIComponent(shown.next)}${query ? "&" + query : ""}`);
    showPage(stageId, page);
  } finally {
    shown.loading = false;
  }
}

async function loadBoard() {
  const board = await api("GET", "board?" + filterQuery());
  const main = $("board");
  main.replaceChildren();
  state.columns.clear();
  for (const column of board.columns) {
    main.append(columnNode(column));
    showFigures(column);
    showPage(column.stage.id, column);
  }
  main.setAttribute("aria-busy", "false");
  document.body.dataset.ready = "true";
}

async function refreshFigures() {
  const board = await api("GET", "board?" + filterQuery());
  board.columns.forEach(showFigures);
}

/* ---- moving a card ---- */

async function dropped(event) {
  if (event.from === event.to) return;
  const cardNodeMoved = event.item;
  const move = { leadId: cardNodeMoved.dataset.leadId, node: cardNodeMoved,
    body: { stage_id: Number(event.to.dataset.stageId), version: Number(cardNodeMoved.dataset.version) } };
  tg.HapticFeedback.impactOccurred("medium");
  await sendMove(move);
}

async function sendMove(move, extra) {
  move.node.classList.add("moving");
  try {
    const answer = await api("POST", `leads/${move.leadId}/move`, { ...move.body, ...extra });
    if (answer.needs) return askFor(answer.needs, move);
    moved(move, answer.lead);
  } catch (error) {
    refused(error);
  }
}

function moved(move, lead) {
  const fresh = cardNode({ ...lead, idle: false });
  move.node.replaceWith(fresh);
  fresh.dataset.moved = "true";
  tg.HapticFeedback.notificationOccurred("success");
  closePrompt();
  refreshFigures();
}

function messageOf(error) {
  return (error.data && error.data.details && error.data.details.message) || t("miniapp-failed");
}

/* A filter or search the server refused (a search too short): said, the board kept. */
function told(error) {
  notice(messageOf(error));
}

function refused(error) {
  closePrompt();
  tg.HapticFeedback.notificationOccurred("error");
  const message = error.status === 409 && error.data.error === "stale-lead"
    ? t("miniapp-stale") : messageOf(error);
  notice(message);
  loadBoard();
}

/* ---- prompts: Won's value, Lost's reason ---- */

function askFor(need, move) {
  const form = $("prompt-form");
  form.replaceChildren();
  const submitWith = (extra) => sendMove(move, extra);
  if (need === "value") {
    const input = el("input", { name: "value", inputMode: "decimal", placeholder: t("miniapp-value-placeholder"), required: true });
    form.append(el("label", { textContent: t("miniapp-ask-value") }), input,
      el("button", { className: "primary", type: "submit", textContent: t("miniapp-save") }));
    form.onsubmit = (event) => { event.preventDefault(); submitWith({ value: input.value }); };
    setTimeout(() => input.focus(), 0);
  } else if (need === "lost_reason") {
    form.append(el("label", { textContent: t("miniapp-ask-lost-reason") }));
    for (const reason of state.filters_offered.lost_reasons) {
      const button = el("button", { type: "button", className: "primary", textContent: t("lost-reason-" + reason.replace(/_/g, "-")) });
      button.dataset.reason = reason;
      button.addEventListener("click", () => submitWith({ reason }));
      form.append(button);
    }
    form.onsubmit = (event) => event.preventDefault();
  } else {
    const words = el("textarea", { name: "words", rows: 3, required: true, maxLength: 500 });
    form.append(el("label", { textContent: t("miniapp-ask-lost-words") }), words,
      el("button", { className: "primary", type: "submit", textContent: t("miniapp-save") }));
    form.onsubmit = (event) => { event.preventDefault(); submitWith({ words: words.value }); };
  }
  const cancel = el("button", { type: "button", className: "plain", textContent: t("miniapp-cancel") });
  cancel.addEventListener("click", () => { closePrompt(); loadBoard(); });
  form.append(cancel);
  form.dataset.need = need;
  state.prompt = move;
  $("prompt").hidden = false;
  tg.BackButton.show();
  if (need !== "lost_reason") tg.MainButton.setText(t("miniapp-save")).show();
}

function closePrompt() {
  if (!state.prompt) return;
  state.prompt.node.classList.remove("moving");
  state.prompt = null;
  $("prompt").hidden = true;
  tg.MainButton.hide();
  if (!state.sheetLead) tg.BackButton.hide();
}

/* ---- the card's details and quick actions ---- */

async function openSheet(leadId) {
  const answer = await api("GET", `leads/${leadId}`);
  showSheet(answer);
}

function showSheet(lead) {
  state.sheetLead = lead;
  const body = $("sheet-body");
  const facts = el("dl");
  const fact = (label, value) => { if (value) facts.append(el("dt", { textContent: label }), el("dd", { textContent: value })); };
  fact(t("miniapp-stage"), lead.stage);
  fact(t("miniapp-contact"), [lead.contact_name, lead.phone, lead.email].filter(Boolean).join(" · "));
  fact(t("miniapp-responsible"), lead.responsible || t("card-nobody"));
  fact(t("miniapp-source"), lead.source);
  fact("💰", lead.value ? money(lead.value, lead.currency) : t("card-no-value"));
  if (lead.tags.length) fact("🏷", lead.tags.map((tag) => "#" + tag).join(" "));
  if (lead.next_task) fact(t("miniapp-next-task"), lead.next_task.title + ", " + when(lead.next_task.due_at));
  if (lead.lost_reason) fact("❌", lead.lost_reason);
  const note = el("textarea", { rows: 2, placeholder: t("miniapp-note-placeholder") });
  const action = (label, run) => {
    const button = el("button", { type: "button", textContent: label });
    button.addEventListener("click", run);
    return button;
  };
  const followUps = el("div", { className: "actions", hidden: true });
  const showFollowUps = () => { followUps.hidden = false; };
  for (const [key, due] of followUpTimes()) {
    followUps.append(action(t(key), () => quickAction("tasks", { due_at: due.toISOString() }, t("miniapp-task-saved"))));
  }
  body.replaceChildren(
    el("h3", { textContent: lead.title }), facts,
    note,
    el("div", { className: "actions" },
      action(t("btn-note"), () => quickAction("notes", { text: note.value }, t("note-saved"))),
      action(t("btn-called"), () => quickAction("contacts", { kind: "call" }, t("miniapp-logged")).then(showFollowUps)),
      action(t("btn-wrote"), () => quickAction("contacts", { kind: "message" }, t("miniapp-logged")).then(showFollowUps)),
      action(t("btn-task"), showFollowUps),
      action(t("miniapp-open-in-chat"), () => quickAction("to-chat", {}, t("miniapp-sent-to-chat")).then(() => tg.close()))),
    followUps,
    el("h4", { textContent: t("miniapp-latest") }),
    el("ul", { className: "latest" }, ...lead.latest.map((a) =>
      el("li", { textContent: when(a.at) + " " + a.kind + (a.text ? ": " + a.text : "") }))));
  $("sheet").hidden = false;
  tg.BackButton.show();
}

function followUpTimes() {
  const inAnHour = new Date(Date.now() + 3600e3);
  const tomorrow = new Date(); tomorrow.setDate(tomorrow.getDate() + 1); tomorrow.setHours(10, 0, 0, 0);
  const inThreeDays = new Date(Date.now() + 3 * 86400e3);
  return [["task-time-in-an-hour", inAnHour], ["task-time-tomorrow-morning", tomorrow], ["task-time-in-three-days", inThreeDays]];
}

async function quickAction(path, body, done) {
  try {
    const answer = await api("POST", `leads/${state.sheetLead.id}/${path}`, body);
    notice(done);
    showSheet(answer.lead);
    const old = document.querySelector(`.card[data-lead-id="${answer.lead.id}"]`);
    if (old) old.dataset.version = answer.lead.version;
  } catch (error) {
    told(error);
    throw error;
  }
}

function closeSheet() {
  state.sheetLead = null;
  $("sheet").hidden = true;
  tg.BackButton.hide();
}

/* ---- filters ---- */

function options(select, first, values, label) {
  select.replaceChildren(el("option", { value: "", textContent: first }),
    ...values.map((value) => el("option", { value: value.id ?? value, textContent: label(value) })));
}

function setUpFilters(offered, canFilterPeople) {
  state.filters_offered = offered;
  const scope = $("scope"), responsible = $("responsible");
  options(scope, t("miniapp-everyone"), [{ id: "1" }], () => t("miniapp-mine"));
  options(responsible, t("miniapp-anyone"), offered.responsible, (person) => person.name);
  scope.hidden = responsible.hidden = !canFilterPeople;
  options($("tag"), t("miniapp-any-tag"), offered.tags, (tag) => "#" + tag);
  options($("source"), t("miniapp-any-source"), offered.sources, (source) => t("source-" + source));
  const filterOf = { scope: "mine", responsible: "responsible", tag: "tag", source: "source" };
  for (const [id, name] of Object.entries(filterOf)) {
    $(id).addEventListener("change", (event) => { state.filters[name] = event.target.value; loadBoard().catch(told); });
  }
  const search = $("search");
  search.placeholder = t("miniapp-search");
  search.addEventListener("input", () => {
    clearTimeout(search.timer);
    search.timer = setTimeout(() => { state.filters.q = search.value.trim(); loadBoard().catch(told); }, 250);
  });
  $("toolbar").hidden = false;
}

/* ---- start ---- */

async function start() {
  applyTheme();
  tg.onEvent("themeChanged", applyTheme);
  tg.onEvent("mainButtonClicked", () => { if (state.prompt) $("prompt-form").requestSubmit(); });
  tg.onEvent("backButtonClicked", () => (state.prompt ? (closePrompt(), loadBoard()) : closeSheet()));
  $("sheet").addEventListener("click", (event) => { if (event.target.id === "sheet") closeSheet(); });
  if (!tg.initData) {
    $("board").textContent = "Open the board from the bot in Telegram.";
    return;
  }
  try {
    const me = await api("GET", "me");
    state.me = me.staff;
    state.strings = me.strings;
    document.documentElement.lang = me.staff.language;
    document.title = t("miniapp-title");
    setUpFilters(me.filters, me.can_filter_people);
    await loadBoard();
    tg.ready();
    tg.expand();
    // Opened from a lead card in the chat: that lead's details first.
    const lead = new URLSearchParams(location.search).get("lead");
    if (lead) await openSheet(Number(lead));
  } catch (error) {
    $("board").textContent = (error.data && error.data.details && error.data.details.message)
      || (error.status === 403 ? "🔒" : "⚠️ " + (error.data ? error.data.error : error));
    document.body.dataset.ready = "failed";
  }
}

start();
