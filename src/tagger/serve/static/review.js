"use strict";
// The review page of `tagger serve`: plain JavaScript, no build step, nothing fetched but this server's API.
// Every write goes to the server, which writes through tagger's one edit path (undo log, safe swap).
// Cards are found by their key (a note's path, a merge's tags), never by position: lists change under us.

const state = {
  view: "untagged",
  items: { untagged: [], suspects: [], merges: [] },
  current: { untagged: null, suspects: null, merges: null },  // the focused card's key, per list
  actions: [],          // this page's actions, oldest first: {kind: "log", id} | {kind: "dismiss", items} | {kind: "skip", path}
  floor: 0.65,
  months: [],
  skipped: new Set(),   // paths skipped on this page (skipping writes nothing)
  busy: new Set(),      // keys of cards with a request in flight
  undoing: false,
};

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  // Text from notes goes in as text nodes only: a title with <script> in it is shown, never run.
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const hashed = (tags) => tags.map((t) => "#" + t).join(" ");
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const mergeKey = (m) => m.tags.join(" ");

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
  const data = await res.json().catch(() => ({ error: `${path}: ${res.status} ${res.statusText}` }));
  if (!res.ok) throw Object.assign(new Error(data.error || `${path}: ${res.status} ${res.statusText}`), { status: res.status });
  return data;
}

// ---- views ----------------------------------------------------------------------------------

let chips = 0;
function chip(name, score, checked, label, low = score !== null && score < state.floor) {
  const id = `chip-${++chips}`;
  const box = el("input", { type: "checkbox", id, value: name, checked: checked || undefined });
  return el("label", { class: "chip" + (low ? " low" : ""), for: id },
    box, `#${name}`, score === null ? "" : el("span", { class: "score" }, score.toFixed(2)),
    label ? el("span", { class: "visually-hidden" }, ` ${label}`) : "");
}

function card(key, title, ...children) {
  return el("li", { class: "card", tabindex: "-1", "data-key": key, "data-path": key, "aria-label": title }, ...children);
}

function untaggedCard(note) {
  const chips = el("fieldset", { class: "chips" }, el("legend", { class: "visually-hidden" }, "Suggested tags"),
    note.suggestions.map((s) => chip(s.tag, s.score, s.assigned, s.score >= state.floor ? "(would be written)" : "(below the floor)")));
  const typed = el("input", { type: "text", list: "vocab", placeholder: "add a tag", "aria-label": `Add a tag to ${note.title}` });
  typed.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && typed.value.trim()) {
      ev.preventDefault();
      for (const t of typed.value.split(/[\s,]+/).map((x) => x.replace(/^#/, "")).filter(Boolean)) chips.append(chip(t, null, true));
      typed.value = "";
    }
  });
  return card(note.path, note.title,
    el("h3", {}, note.title),
    el("p", { class: "meta" }, [note.date || "undated", note.path].join(" · ")),
    el("p", { class: "comment" }, note.comment),
    chips,
    el("p", { class: "why" }, ""),
    el("div", { class: "actions" },
      typed,
      el("button", { type: "button", class: "primary", onclick: () => acceptUntagged(note.path) }, "Accept ", el("kbd", {}, "a")),
      el("button", { type: "button", onclick: () => skip(note.path) }, "Skip ", el("kbd", {}, "x")),
      el("span", { class: "written" }, "")));
}

function suspectCard(note) {
  // Ticked: a missing tag at or above the floor is added, a stray tag is removed; the author unticks what they disagree with.
  const missing = note.missing.map((f) => chip(f.tag, f.score, f.score >= state.floor, "(likely missing: ticked adds it)"));
  const stray = note.stray.map((f) => chip(f.tag, f.score, true, "(likely stray: ticked removes it)", false));
  return card(note.path, note.title,
    el("h3", {}, note.title),
    el("p", { class: "meta" }, [note.date || "undated", note.path, hashed(note.tags)].join(" · ")),
    missing.length ? el("fieldset", { class: "chips missing" }, el("legend", {}, "likely missing"), missing) : "",
    stray.length ? el("fieldset", { class: "chips stray" }, el("legend", {}, "likely stray"), stray) : "",
    el("ul", { class: "why" }, [...note.missing, ...note.stray].map((f) => el("li", {}, f.reason))),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", onclick: () => acceptSuspect(note.path) }, "Accept ", el("kbd", {}, "a")),
      el("button", { type: "button", onclick: () => dismiss(note.path) }, "Dismiss ", el("kbd", {}, "x")),
      el("span", { class: "written" }, "")));
}

function mergeCard(m) {
  const kind = m.kind === "spelling" ? "one tag written several ways" : "different tags that may mean the same";
  const c = card(mergeKey(m), `${kind}: ${m.tags.join(", ")}`,
    el("h3", {}, m.tags.map((t) => "#" + t).join("  ·  ")),
    el("p", { class: "why" }, `${kind}: ${m.reasons.join("; ")}`),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", onclick: () => merge(mergeKey(m)) }, `Merge into #${m.into} `, el("kbd", {}, "a")),
      el("span", { class: "written" }, "")));
  c.classList.add("compact");
  return c;
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
  $("#count-vocabulary").textContent = `(${$("#tags tbody").children.length})`;
  $("#undo-last").disabled = $("#undo-all").disabled = state.actions.length === 0 || state.undoing;
  applySearch();
}

const listKey = (view) => (view === "vocabulary" ? "merges" : view);
const listOf = (view) => $(`#${listKey(view)}`);
const cardOf = (view, key) => [...listOf(view).children].find((c) => c.dataset.key === key);
const itemOf = (view, key) => state.items[listKey(view)].find((it) => (view === "vocabulary" ? mergeKey(it) : it.path) === key);

function focusCard(view, key) {
  const cards = [...listOf(view).children].filter((c) => !c.hidden);
  if (!cards.length) return;
  const target = cards.find((c) => c.dataset.key === key) || cards.find((c) => !c.classList.contains("done")) || cards[0];
  for (const c of listOf(view).children) c.classList.remove("current");
  target.classList.add("current");
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "nearest" });
  state.current[listKey(view)] = target.dataset.key;
  if (view === "untagged") loadWhy(target.dataset.key);
}

function move(step) {
  const cards = [...listOf(state.view).children].filter((c) => !c.hidden);
  const pos = cards.findIndex((c) => c.dataset.key === state.current[listKey(state.view)]);
  const next = cards[Math.max(0, Math.min(cards.length - 1, pos + step))];
  if (next) focusCard(state.view, next.dataset.key);
}

function nextOpen(view, from) {
  const cards = [...listOf(view).children];
  const start = cards.findIndex((c) => c.dataset.key === from);
  for (let j = 1; j <= cards.length; j++) {
    const c = cards[(start + j) % cards.length];
    if (!c.hidden && !c.classList.contains("done")) return focusCard(view, c.dataset.key);
  }
}

function applySearch() {
  const q = $("#search").value.trim().toLowerCase();
  for (const view of ["untagged", "suspects", "vocabulary"]) {
    for (const c of listOf(view).children) c.hidden = q !== "" && !c.textContent.toLowerCase().includes(q);
  }
}

// ---- actions --------------------------------------------------------------------------------

function checked(c, sel = ".chips") {
  return [...c.querySelectorAll(`${sel} input[type=checkbox]`)].filter((b) => b.checked).map((b) => b.value);
}

function finish(c, item, text) {
  item.done = true;
  c.classList.add("done");
  $(".written", c).textContent = text;
}

function failed(err) {
  // The server's message names the note and the problem; a note changed meanwhile is shown as it is now.
  say(err.message, true);
  if (err.status === 409) loadAll(false).then(() => say(err.message, true));
}

async function once(key, work) {
  // One request per card at a time: a second key press while the first is in flight does nothing.
  if (state.busy.has(key)) return;
  state.busy.add(key);
  try { await work(); } catch (err) { failed(err); } finally { state.busy.delete(key); render(); }
}

async function writeTags(view, item, tags, done) {
  const c = cardOf(view, item.path);
  const started = performance.now();
  const out = await api("/api/review/tags", { path: item.path, tags, seen: item.sha });
  state.actions.push({ kind: "log", id: out.action.id });
  item.sha = out.sha;
  item.tags = out.tags;
  finish(c, item, done(out.tags));
  // From the request to the card showing what was written on disk (the benchmark reads it).
  c.dataset.ms = String(Math.round(performance.now() - started));
  return out;
}

function acceptUntagged(path) {
  const item = itemOf("untagged", path), c = cardOf("untagged", path);
  if (!item || item.done) return;
  const tags = checked(c);
  if (!tags.length) return say(`${item.title}: no tag chosen; tick a suggestion or type one`, true);
  return once(path, async () => {
    const out = await writeTags("untagged", item, tags, (written) => `written: ${hashed(written)}`);
    say(`${item.path}: written ${hashed(out.tags)}`);
    render(); nextOpen("untagged", path);
  });
}

function skip(path) {
  const item = itemOf("untagged", path);
  if (!item || item.done) return;
  state.skipped.add(path);
  state.actions.push({ kind: "skip", path });
  finish(cardOf("untagged", path), item, "skipped");
  say(`${path}: skipped`);
  render(); nextOpen("untagged", path);
}

function acceptSuspect(path) {
  const item = itemOf("suspects", path), c = cardOf("suspects", path);
  if (!item || item.done) return;
  const add = checked(c, ".missing"), drop = new Set(checked(c, ".stray"));
  const tags = [...item.tags.filter((t) => !drop.has(t)), ...add];
  return once(path, async () => {
    const out = await writeTags("suspects", item, tags, (now) => `now: ${hashed(now)}`);
    say(`${item.path}: tags now ${hashed(out.tags)}`);
    render(); nextOpen("suspects", path);
  });
}

function dismiss(path) {
  const item = itemOf("suspects", path);
  if (!item || item.done) return;
  const items = [...item.missing.map((f) => ({ path, tag: f.tag, kind: "missing" })), ...item.stray.map((f) => ({ path, tag: f.tag, kind: "stray" }))];
  return once(path, async () => {
    for (const d of items) await api("/api/review/dismiss", d);
    state.actions.push({ kind: "dismiss", items });
    finish(cardOf("suspects", path), item, "dismissed");
    say(`${path}: dismissed; it will not be shown again`);
    render(); nextOpen("suspects", path);
  });
}

function merge(key) {
  const m = itemOf("vocabulary", key);
  if (!m || m.done) return;
  return once(key, async () => {
    const out = await api("/api/review/merge", { members: m.tags.filter((t) => t !== m.into), into: m.into });
    if (out.action.id) state.actions.push({ kind: "log", id: out.action.id });
    say(`merged ${m.tags.map((t) => "#" + t).join(", ")} into #${m.into} in ${plural(out.action.written.length, "note")}`);
    await loadAll(false);
  });
}

async function undo(all) {
  // An action leaves the list only once undone: a failure leaves it (and those before it) to try again.
  if (!state.actions.length || state.undoing) return;
  state.undoing = true;
  render();
  let done = 0, restored = 0, left = [];
  try {
    do {
      const a = state.actions[state.actions.length - 1];
      if (a.kind === "log") {
        const out = await api("/api/review/undo", { id: a.id });
        restored += out.restored.length;
        left = left.concat(out.left.map((l) => `${l.path}: ${l.reason}`));
      } else if (a.kind === "dismiss") {
        for (const d of a.items) await api("/api/review/undismiss", d);
      } else state.skipped.delete(a.path);
      state.actions.pop();
      done += 1;
    } while (all && state.actions.length);
    say(`undone ${plural(done, "action")}: ${plural(restored, "note")} restored` + (left.length ? `; left alone: ${left.join("; ")}` : ""), left.length > 0);
  } catch (err) { say(`undo: ${err.message}`, true); }
  state.undoing = false;
  await loadAll(false);
}

async function loadWhy(path) {
  const c = cardOf("untagged", path);
  if (!c || c.dataset.why) return;
  c.dataset.why = "asked";
  try {
    const out = await api(`/api/review/why?path=${encodeURIComponent(path)}`);
    const now = cardOf("untagged", path);  // the list may have been drawn again meanwhile
    if (!now) return;
    $(".why", now).replaceChildren(el("span", { class: "visually-hidden" }, "Words that argued for each tag: "),
      ...out.why.filter((w) => w.words.length).map((w) => el("span", { class: "because" }, el("b", {}, `#${w.tag}`), ` ${w.words.join(", ")}`)));
    now.dataset.why = "shown";
  } catch (err) { delete c.dataset.why; }
}

// ---- loading --------------------------------------------------------------------------------

async function loadAll(first) {
  // The untagged notes first: the page answers keys as soon as they are shown; the vocabulary and
  // the suspects fill in behind.
  const untagged = await api("/api/review/untagged");
  state.floor = untagged.floor;
  $("#vault").textContent = untagged.vault;
  $("#floor").textContent = untagged.floor.toFixed(2);
  state.items.untagged = untagged.notes;
  $("#untagged").replaceChildren(...untagged.notes.map(untaggedCard));
  for (const n of untagged.notes) if (state.skipped.has(n.path)) finish(cardOf("untagged", n.path), n, "skipped");
  render();
  if (first) {
    // Milliseconds from the start of navigation to a page that answers keys (the benchmark reads it).
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "true";
  }
  const vocabulary = loadVocabulary();
  if (!first) await vocabulary;
  focusCard(state.view, state.current[listKey(state.view)]);
  loadSuspects();
}

async function loadVocabulary() {
  const vocab = await api("/api/review/vocabulary");
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
  try {
    const out = await api("/api/review/suspects");
    state.suspectsReady = out.ready;
    $("#suspects-note").textContent = out.about;
    state.items.suspects = out.notes;
    $("#suspects").replaceChildren(...out.notes.map(suspectCard));
    render();
    if (!out.ready) state.suspectsTimer = setTimeout(loadSuspects, 2000);
  } catch (err) {
    $("#suspects-note").textContent = `cannot load the suspect tags: ${err.message}; trying again`;
    state.suspectsTimer = setTimeout(loadSuspects, 5000);
  }
}

// ---- keys -----------------------------------------------------------------------------------

function toggle(n) {
  // Keys 1–9 tick or untick the current card's n-th tag.
  const c = cardOf(state.view, state.current[listKey(state.view)]);
  const box = c && c.querySelectorAll("input[type=checkbox]")[n - 1];
  if (box) { box.checked = !box.checked; say(`#${box.value} ${box.checked ? "ticked" : "unticked"}`); }
}

async function acceptAll() {
  // Every open card's ticked tags (those at or above the floor unless changed by hand), one note at a time.
  const open = state.items.untagged.filter((n) => !n.done && checked(cardOf("untagged", n.path)).length);
  if (!open.length) return say("no open note has a ticked tag", true);
  let written = 0;
  for (const item of open) {
    if (state.busy.has(item.path) || item.done) continue;
    state.busy.add(item.path);
    try {
      await writeTags("untagged", item, checked(cardOf("untagged", item.path)), (w) => `written: ${hashed(w)}`);
      written += 1;
      say(`written ${written} of ${open.length}…`);
    } catch (err) { failed(err); return render(); } finally { state.busy.delete(item.path); }
  }
  say(`written: ${plural(written, "note")} ("Undo all since opened" takes them back)`);
  render();
}

document.addEventListener("keydown", (ev) => {
  const typing = ev.target instanceof HTMLInputElement && ev.target.type !== "checkbox";
  if (typing) { if (ev.key === "Escape") ev.target.blur(); return; }
  // Single-key shortcuts can be turned off (a screen reader's own keys, speech input).
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || !$("#shortcuts").checked) return;
  const key = state.current[listKey(state.view)];
  const actions = {
    j: () => move(1),
    k: () => move(-1),
    a: () => ({ untagged: acceptUntagged, suspects: acceptSuspect, vocabulary: merge })[state.view](key),
    x: () => (state.view === "untagged" ? skip(key) : state.view === "suspects" ? dismiss(key) : null),
    u: () => undo(false),
    "/": () => $("#search").focus(),
  };
  if (actions[ev.key]) actions[ev.key]();
  else if (/^[1-9]$/.test(ev.key)) toggle(Number(ev.key));
  else return;
  ev.preventDefault();
});

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => { state.view = tab.dataset.view; render(); focusCard(state.view, state.current[listKey(state.view)]); });
}
$("#search").addEventListener("input", applySearch);
$("#undo-last").addEventListener("click", () => undo(false));
$("#undo-all").addEventListener("click", () => undo(true));
$("#accept-all").addEventListener("click", acceptAll);
loadAll(true).catch((err) => say(`cannot load: ${err.message}`, true));
