"use strict";
// The review page of `tagger serve`: plain JavaScript, no build step, nothing fetched but this server's API.
// Every write goes to the server, which writes through tagger's one edit path (undo log, safe swap).

const state = {
  view: "untagged",
  items: { untagged: [], suspects: [], merges: [] },
  current: { untagged: 0, suspects: 0, merges: 0 },
  actions: [],          // ids of this page's actions, oldest first: "undo last" and "undo all since opened"
  floor: 0.65,
  vocabulary: [],
  months: [],
  skipped: new Set(),   // paths skipped on this page (skipping writes nothing)
};

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};

function say(text, error = false) {
  const s = $("#status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const res = await fetch(path, { credentials: "same-origin", ...init });
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw Object.assign(new Error(data.error || `${path}: ${res.status} ${res.statusText}`), { status: res.status });
  return data;
}

// ---- views ----------------------------------------------------------------------------------

function chip(name, score, checked, label) {
  const id = `chip-${Math.random().toString(36).slice(2)}`;
  const box = el("input", { type: "checkbox", id, value: name, checked: checked || undefined });
  return el("label", { class: "chip" + (score !== null && score < state.floor ? " low" : ""), for: id },
    box, `#${name}`, score === null ? "" : el("span", { class: "score" }, score.toFixed(2)),
    label ? el("span", { class: "visually-hidden" }, ` ${label}`) : "");
}

function untaggedCard(note, i) {
  const chips = el("fieldset", { class: "chips" }, el("legend", { class: "visually-hidden" }, "Suggested tags"),
    note.suggestions.map((s) => chip(s.tag, s.score, s.assigned && s.score >= state.floor,
      s.score >= state.floor ? "(would be written)" : "(below the floor)")));
  const typed = el("input", { type: "text", list: "vocab", placeholder: "add a tag", "aria-label": `Add a tag to ${note.title}` });
  typed.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && typed.value.trim()) {
      ev.preventDefault();
      for (const t of typed.value.split(/[\s,]+/).map((x) => x.replace(/^#/, "")).filter(Boolean)) chips.append(chip(t, null, true));
      typed.value = "";
    }
  });
  return el("li", { class: "card", tabindex: "-1", "data-i": i, "data-path": note.path, "aria-label": note.title },
    el("h3", {}, note.title),
    el("p", { class: "meta" }, [note.date || "undated", note.path].join(" · ")),
    el("p", { class: "comment" }, note.comment),
    chips,
    el("p", { class: "why" }, ""),
    el("div", { class: "actions" },
      typed,
      el("button", { type: "button", class: "primary", onclick: () => acceptUntagged(i) }, "Accept ", el("kbd", {}, "a")),
      el("button", { type: "button", onclick: () => skip(i) }, "Skip ", el("kbd", {}, "x")),
      el("span", { class: "written", role: "status" }, "")));
}

function suspectCard(note, i) {
  // Ticked: a missing tag at or above the floor is added, a stray tag is removed; the author changes what they disagree with.
  const missing = note.missing.map((f) => chip(f.tag, f.score, f.score >= state.floor, "(likely missing: ticked adds it)"));
  const stray = note.stray.map((f) => chip(f.tag, f.score, true, "(likely stray: ticked removes it)"));
  for (const c of stray) c.classList.remove("low");
  const reasons = [...note.missing, ...note.stray].map((f) => el("li", {}, f.reason));
  return el("li", { class: "card", tabindex: "-1", "data-i": i, "data-path": note.path, "aria-label": note.title },
    el("h3", {}, note.title),
    el("p", { class: "meta" }, [note.date || "undated", note.path, note.tags.map((t) => "#" + t).join(" ")].join(" · ")),
    missing.length ? el("fieldset", { class: "chips missing" }, el("legend", {}, "likely missing"), missing) : "",
    stray.length ? el("fieldset", { class: "chips stray" }, el("legend", {}, "likely stray"), stray) : "",
    el("ul", { class: "why" }, reasons),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", onclick: () => acceptSuspect(i) }, "Accept ", el("kbd", {}, "a")),
      el("button", { type: "button", onclick: () => dismiss(i) }, "Dismiss ", el("kbd", {}, "x")),
      el("span", { class: "written", role: "status" }, "")));
}

function mergeCard(m, i) {
  const kind = m.kind === "spelling" ? "one tag written several ways" : "different tags that may mean the same";
  return el("li", { class: "card compact", tabindex: "-1", "data-i": i, "aria-label": `${kind}: ${m.tags.join(", ")}` },
    el("h3", {}, m.tags.map((t) => "#" + t).join("  ·  ")),
    el("p", { class: "why" }, `${kind}: ${m.reasons.join("; ")}`),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", onclick: () => merge(i) }, `Merge into #${m.into} `, el("kbd", {}, "a")),
      el("span", { class: "written", role: "status" }, "")));
}

function spark(counts) {
  // One bar per month of the vault's span, the same span for every tag, so rows compare.
  const w = 160, h = 18, n = counts.length || 1, max = Math.max(1, ...counts);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark"); svg.setAttribute("width", w); svg.setAttribute("height", h);
  svg.setAttribute("role", "img");
  const used = counts.map((c, j) => [state.months[j], c]).filter(([, c]) => c > 0);
  svg.setAttribute("aria-label", `notes per month: ${used.map(([m, c]) => `${m}: ${c}`).join(", ")}`);
  counts.forEach((c, j) => {
    if (!c) return;
    const r = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    const bh = Math.max(1, Math.round((c / max) * h));
    r.setAttribute("x", (j * w) / n); r.setAttribute("width", Math.max(1, w / n - 1));
    r.setAttribute("y", h - bh); r.setAttribute("height", bh);
    svg.append(r);
  });
  return svg;
}

function render() {
  for (const v of ["untagged", "suspects", "vocabulary"]) {
    $(`#view-${v}`).hidden = v !== state.view;
    $(`.tab[data-view="${v}"]`).setAttribute("aria-pressed", String(v === state.view));
  }
  $("#count-untagged").textContent = `(${state.items.untagged.filter((n) => !n.done).length})`;
  $("#count-suspects").textContent = state.suspectsReady ? `(${state.items.suspects.filter((n) => !n.done).length})` : "(…)";
  $("#count-vocabulary").textContent = `(${state.vocabulary.length})`;
  $("#undo-last").disabled = $("#undo-all").disabled = state.actions.length === 0;
  applySearch();
}

function listOf(view) { return view === "vocabulary" ? $("#merges") : $(`#${view}`); }
function viewKey() { return state.view === "vocabulary" ? "merges" : state.view; }

function focusCard(view, i) {
  const list = listOf(view);
  const cards = [...list.children].filter((c) => !c.hidden);
  if (!cards.length) return;
  const pos = Math.max(0, Math.min(cards.length - 1, cards.findIndex((c) => Number(c.dataset.i) === i)));
  for (const c of list.children) c.classList.remove("current");
  const card = cards[pos === -1 ? 0 : pos];
  card.classList.add("current");
  card.focus({ preventScroll: true });
  card.scrollIntoView({ block: "nearest" });
  state.current[view === "vocabulary" ? "merges" : view] = Number(card.dataset.i);
  if (view === "untagged") loadWhy(Number(card.dataset.i));
}

function move(step) {
  const key = viewKey();
  const cards = [...listOf(state.view).children].filter((c) => !c.hidden);
  const pos = cards.findIndex((c) => Number(c.dataset.i) === state.current[key]);
  const next = cards[Math.max(0, Math.min(cards.length - 1, pos + step))];
  if (next) focusCard(state.view, Number(next.dataset.i));
}

function nextOpen(view) {
  const key = view === "vocabulary" ? "merges" : view;
  const items = state.items[key];
  const from = state.current[key];
  for (let j = 1; j <= items.length; j++) {
    const i = (from + j) % items.length;
    if (!items[i].done && !listOf(view).children[i].hidden) return focusCard(view, i);
  }
}

function applySearch() {
  const q = $("#search").value.trim().toLowerCase();
  for (const view of ["untagged", "suspects", "vocabulary"]) {
    for (const card of listOf(view).children) card.hidden = q !== "" && !card.textContent.toLowerCase().includes(q);
  }
}

// ---- actions --------------------------------------------------------------------------------

function checked(card, sel = ".chips") {
  return [...card.querySelectorAll(`${sel} input[type=checkbox]`)].filter((b) => b.checked).map((b) => b.value);
}

function failed(err) {
  // The server's message names the note and the problem; a note changed meanwhile is shown as it is now.
  say(err.message, true);
  if (err.status === 409) loadAll(false).then(() => say(err.message, true));
}

function finish(card, item, text) {
  item.done = true;
  card.classList.add("done");
  $(".written", card).textContent = text;
}

async function writeTags(item, card, tags, done) {
  const started = performance.now();
  const out = await api("/api/review/tags", { path: item.path, tags, seen: item.sha });
  if (out.action.id) state.actions.push(out.action.id);
  item.sha = out.sha;
  item.tags = out.tags;
  finish(card, item, done(out.tags));
  // From the request to the card showing what was written on disk (the benchmark reads it).
  card.dataset.ms = String(Math.round(performance.now() - started));
  return out;
}

const hashed = (tags) => tags.map((t) => "#" + t).join(" ");

async function acceptUntagged(i) {
  const item = state.items.untagged[i];
  const card = listOf("untagged").children[i];
  const tags = checked(card);
  if (!tags.length) return say(`${item.title}: no tag chosen; tick a suggestion or type one`, true);
  try {
    const out = await writeTags(item, card, tags, (written) => `written: ${hashed(written)}`);
    say(`${item.path}: written ${hashed(out.tags)}`);
    render(); nextOpen("untagged");
  } catch (err) { failed(err); }
}

function skip(i) {
  const item = state.items.untagged[i];
  state.skipped.add(item.path);
  finish(listOf("untagged").children[i], item, "skipped");
  say(`${item.path}: skipped`);
  render(); nextOpen("untagged");
}

async function acceptSuspect(i) {
  const item = state.items.suspects[i];
  const card = listOf("suspects").children[i];
  const add = checked(card, ".missing"), drop = new Set(checked(card, ".stray"));
  const tags = [...item.tags.filter((t) => !drop.has(t)), ...add];
  try {
    const out = await writeTags(item, card, tags, (now) => `now: ${hashed(now)}`);
    say(`${item.path}: tags now ${hashed(out.tags)}`);
    render(); nextOpen("suspects");
  } catch (err) { failed(err); }
}

async function dismiss(i) {
  const item = state.items.suspects[i];
  try {
    for (const f of item.missing) await api("/api/review/dismiss", { path: item.path, tag: f.tag, kind: "missing" });
    for (const f of item.stray) await api("/api/review/dismiss", { path: item.path, tag: f.tag, kind: "stray" });
    finish(listOf("suspects").children[i], item, "dismissed");
    say(`${item.path}: dismissed; it will not be shown again`);
    render(); nextOpen("suspects");
  } catch (err) { failed(err); }
}

async function merge(i) {
  const m = state.items.merges[i];
  try {
    const out = await api("/api/review/merge", { members: m.tags.filter((t) => t !== m.into), into: m.into });
    if (out.action.id) state.actions.push(out.action.id);
    finish(listOf("vocabulary").children[i], m, `merged into #${m.into}: ${out.action.written.length} notes`);
    say(`merged ${m.tags.map((t) => "#" + t).join(", ")} into #${m.into} in ${out.action.written.length} notes`);
    await loadAll(false);
  } catch (err) { say(`merge: ${err.message}`, true); }
}

async function undo(all) {
  if (!state.actions.length) return;
  const ids = all ? state.actions.splice(0).reverse() : [state.actions.pop()];
  let restored = 0, left = [];
  try {
    for (const id of ids) {
      const out = await api("/api/review/undo", { id });
      restored += out.restored.length;
      left = left.concat(out.left.map((l) => `${l.path}: ${l.reason}`));
    }
    const what = `${ids.length} action${ids.length === 1 ? "" : "s"}`;
    say(`undone ${what}: ${restored} note${restored === 1 ? "" : "s"} restored` + (left.length ? `; left alone: ${left.join("; ")}` : ""), left.length > 0);
    await loadAll(false);
  } catch (err) { say(`undo: ${err.message}`, true); }
}

function toggle(n) {
  // Keys 1–9 tick or untick the current card's n-th tag.
  const card = listOf(state.view).children[state.current[viewKey()]];
  const box = card && card.querySelectorAll("input[type=checkbox]")[n - 1];
  if (box) { box.checked = !box.checked; say(`#${box.value} ${box.checked ? "ticked" : "unticked"}`); }
}

async function acceptAll() {
  // Every open card's ticked tags (those at or above the floor unless changed by hand), one note at a time.
  const open = state.items.untagged.map((n, i) => [n, i]).filter(([n, i]) => !n.done && checked(listOf("untagged").children[i]).length);
  if (!open.length) return say("no open note has a ticked tag", true);
  let written = 0;
  for (const [, i] of open) {
    const item = state.items.untagged[i], card = listOf("untagged").children[i], tags = checked(card);
    try {
      await writeTags(item, card, tags, (w) => `written: ${hashed(w)}`);
      written += 1;
      say(`written ${written} of ${open.length}…`);
    } catch (err) { failed(err); return render(); }
  }
  say(`written: ${written} note${written === 1 ? "" : "s"} (undo all since opened takes them back)`);
  render();
}

const whyCache = new Map();
async function loadWhy(i) {
  const item = state.items.untagged[i];
  if (!item || whyCache.has(item.path)) return;
  whyCache.set(item.path, null);
  try {
    const out = await api(`/api/review/why?path=${encodeURIComponent(item.path)}`);
    const card = listOf("untagged").children[i];
    if (card) card.dataset.why = "shown";
    if (card) $(".why", card).replaceChildren(el("span", { class: "visually-hidden" }, "Words that argued for each tag: "),
      ...out.why.filter((w) => w.words.length).map((w) => el("span", { class: "because" }, el("b", {}, `#${w.tag}`), ` ${w.words.join(", ")}`)));
  } catch (err) { whyCache.delete(item.path); }
}

// ---- loading --------------------------------------------------------------------------------

async function loadAll(first) {
  // The untagged notes first: the page answers keys as soon as they are shown; the vocabulary and
  // the suspects fill in behind.
  const untagged = await api("/api/review/untagged");
  state.floor = untagged.floor;
  $("#vault").textContent = untagged.vault;
  $("#floor").textContent = untagged.floor.toFixed(2);
  for (const n of untagged.notes) if (state.skipped.has(n.path)) n.done = true;
  state.items.untagged = untagged.notes;
  $("#untagged").replaceChildren(...untagged.notes.map(untaggedCard));
  for (const [i, n] of untagged.notes.entries()) if (n.done) finish(listOf("untagged").children[i], n, "skipped");
  whyCache.clear();
  render();
  if (first) {
    // Milliseconds from the start of navigation to a page that answers keys (the benchmark reads it).
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "true";
  }
  const vocabulary = loadVocabulary();
  if (!first) await vocabulary;
  focusCard(state.view, first ? 0 : state.current[viewKey()]);
  loadSuspects();
}

async function loadVocabulary() {
  const vocab = await api("/api/review/vocabulary");
  state.vocabulary = vocab.tags;
  state.months = vocab.months;
  state.items.merges = vocab.merges;
  $("#vocab").replaceChildren(...vocab.tags.map((t) => el("option", { value: t.tag })));
  $("#merges").replaceChildren(...vocab.merges.map(mergeCard));
  const month = (d) => el("td", { title: d || "" }, d ? d.slice(0, 7) : "");
  $("#tags tbody").replaceChildren(...vocab.tags.map((t) => el("tr", {},
    el("td", {}, "#" + t.tag), el("td", { class: "num" }, t.notes), month(t.first), month(t.last),
    el("td", {}, spark(t.counts)))));
  render();
}

async function loadSuspects() {
  clearTimeout(state.suspectsTimer);
  const out = await api("/api/review/suspects");
  state.suspectsReady = out.ready;
  $("#suspects-note").textContent = out.about;
  state.items.suspects = out.notes;
  $("#suspects").replaceChildren(...out.notes.map(suspectCard));
  render();
  if (!out.ready) state.suspectsTimer = setTimeout(loadSuspects, 2000);
}

// ---- keys -----------------------------------------------------------------------------------

document.addEventListener("keydown", (ev) => {
  const typing = ev.target instanceof HTMLInputElement && ev.target.type !== "checkbox";
  if (typing) { if (ev.key === "Escape") ev.target.blur(); return; }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const key = viewKey();
  if (ev.key === "j") move(1);
  else if (ev.key === "k") move(-1);
  else if (ev.key === "a") {
    if (state.view === "untagged") acceptUntagged(state.current.untagged);
    else if (state.view === "suspects") acceptSuspect(state.current.suspects);
    else merge(state.current.merges);
  } else if (ev.key === "x") {
    if (state.view === "untagged") skip(state.current.untagged);
    else if (state.view === "suspects") dismiss(state.current.suspects);
  } else if (ev.key === "u") undo(false);
  else if (/^[1-9]$/.test(ev.key)) toggle(Number(ev.key));
  else if (ev.key === "/") { ev.preventDefault(); $("#search").focus(); }
  else return;
  ev.preventDefault();
  void key;
});

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => { state.view = tab.dataset.view; render(); focusCard(state.view, state.current[viewKey()]); });
}
$("#search").addEventListener("input", applySearch);
$("#undo-last").addEventListener("click", () => undo(false));
$("#undo-all").addEventListener("click", () => undo(true));
$("#accept-all").addEventListener("click", acceptAll);
loadAll(true).catch((err) => say(`cannot load: ${err.message}`, true));
