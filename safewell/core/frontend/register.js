// The register page: fast keyboard and touch marking, and no lost marks on poor Wi-Fi.
// The same module drives the session (AM/PM) register and the lesson register
// (data-kind="lesson"): only the API body, the storage key and the lesson's "present at
// registration, absent now" warning differ.
//
// The page works without this module (a plain form POST). With it:
// - `/` or `\` marks a pupil present (the right code for the session), `L` marks them late
//   with the time now (editable), any other code can be typed; ↑ ↓ and Enter move between
//   pupils. "Mark all present" fills every pupil not yet marked.
// - Saving posts JSON to the register API. Each submission gets an idempotency key and is
//   written to localStorage *before* it is sent, so a dropped connection, a lost response
//   or a closed tab loses nothing: the page sends it again (same key, so the server applies
//   it once) with backoff, when the browser comes back online, and when the page is opened
//   again.
// - A 422 shows the server's errors beside the pupils; a 409 lists exactly which marks
//   someone else changed, and the teacher chooses per mark before saving again.
//
// Loaded as an ES module from 'self': no inline script or style (CSP).

const STORAGE_PREFIX = "safewell:register:";
const FIRST_RETRY_MS = 2000;
const MAX_RETRY_MS = 60000;
const REQUEST_TIMEOUT_MS = 20000;

function RegisterPage(form) {
  this.form = form;
  this.data = form.dataset;
  this.version = Number(this.data.version);
  this.presentCode = this.data.presentCode;
  this.codes = readCatalogue();
  this.rows = new Map();
  this.order = [];
  this.queue = [];
  this.sending = false;
  this.heldByConflict = false;
  this.retryTimer = null;
  this.retryDelay = FIRST_RETRY_MS;
  this.status = document.getElementById("register-status");
  this.saveButton = form.querySelector("[data-register-save]");
  this.conflictPanel = document.getElementById("register-conflicts");
  this.errorSummary = document.getElementById("register-errors");
  this.isLesson = this.data.kind === "lesson";
  this.storageKey = (this.isLesson
    ? [STORAGE_PREFIX + this.data.user, "lesson", this.data.lesson, this.data.date]
    : [STORAGE_PREFIX + this.data.user, this.data.site, this.data.group, this.data.date, this.data.session]
  ).join(":");
}

function readCatalogue() {
  const element = document.getElementById("register-codes");
  const codes = new Map();
  if (!element) return codes;
  for (const code of JSON.parse(element.textContent)) {
    codes.set(code.code, code);
  }
  return codes;
}

// --- Set-up -------------------------------------------------------------------------------

RegisterPage.prototype.start = function () {
  this.form.classList.add("safewell-register--enhanced");
  for (const element of this.form.querySelectorAll("[data-pupil]")) {
    const row = {
      pupil: Number(element.dataset.pupil),
      name: element.dataset.name,
      element,
      input: element.querySelector("[data-code]"),
      arrived: element.querySelector("[data-arrived]"),
      arrivedField: element.querySelector("[data-arrived-field]"),
      feedback: element.querySelector("[data-feedback]"),
      state: element.querySelector("[data-state]"),
      saved: element.dataset.saved || "",
      // Lesson registers: present at registration (the session mark), and the warning shown
      // when such a pupil is marked absent from the lesson.
      onSite: "onSite" in element.dataset,
      missingOnSite: element.querySelector("[data-missing-on-site]"),
    };
    this.rows.set(row.pupil, row);
    this.order.push(row);
    this.bindRow(row);
    this.showArrivalField(row);
    this.refreshRow(row);
  }
  const fill = this.form.querySelector("[data-register-fill]");
  if (fill) {
    fill.addEventListener("click", (event) => {
      event.preventDefault();
      this.markAllPresent();
    });
  }
  const resolve = this.conflictPanel && this.conflictPanel.querySelector("[data-conflict-resolve]");
  if (resolve) resolve.addEventListener("click", () => this.resolveConflicts());
  this.form.addEventListener("submit", (event) => {
    event.preventDefault();
    this.save();
  });
  window.addEventListener("online", () => this.sendNow());
  // Another tab of the same register may have queued or sent marks.
  window.addEventListener("storage", (event) => {
    if (event.key === this.storageKey) this.queue = this.loadQueue();
  });
  this.queue = this.loadQueue();
  if (this.queue.length) {
    this.restoreQueuedMarks();
    this.setStatus("waiting", `${this.pendingCount()} marks from earlier are waiting to send. Sending now…`);
    this.sendNow();
  }
};

RegisterPage.prototype.bindRow = function (row) {
  row.input.addEventListener("focus", () => row.input.select());
  row.input.addEventListener("keydown", (event) => this.onKey(event, row));
  row.input.addEventListener("input", () => {
    const upper = row.input.value.toUpperCase();
    if (upper !== row.input.value) row.input.value = upper;
    this.showArrivalField(row);
    this.refreshRow(row);
  });
  if (row.arrived) {
    row.arrived.addEventListener("input", () => this.refreshRow(row));
  }
  for (const button of row.element.querySelectorAll("[data-quick]")) {
    button.addEventListener("click", () => {
      const code = button.dataset.quick === "present" ? this.presentCode : button.dataset.quick;
      this.setCode(row, code);
      row.input.focus();
    });
  }
};

// --- Marking ------------------------------------------------------------------------------

RegisterPage.prototype.onKey = function (event, row) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const index = this.order.indexOf(row);
  switch (event.key) {
    case "ArrowDown":
      event.preventDefault();
      this.focusRow(index + 1);
      break;
    case "ArrowUp":
      event.preventDefault();
      this.focusRow(index - 1);
      break;
    case "Enter":
      // Enter moves on, like the paper register's next line; saving is the Save button.
      event.preventDefault();
      this.focusRow(index + 1);
      break;
    case "/":
    case "\\":
      // Either key means "present": the code recorded is the session's (/ morning, \ afternoon).
      event.preventDefault();
      this.setCode(row, this.presentCode);
      this.focusRow(index + 1);
      break;
    case "l":
    case "L":
      event.preventDefault();
      this.setCode(row, "L");
      this.focusRow(index + 1);
      break;
    default:
      break;
  }
};

RegisterPage.prototype.focusRow = function (index) {
  if (index < 0) return;
  if (index >= this.order.length) {
    this.saveButton.focus();
    return;
  }
  this.order[index].input.focus();
};

RegisterPage.prototype.setCode = function (row, code) {
  row.input.value = code;
  if (code === "L" && row.arrived && !row.arrived.value) {
    row.arrived.value = timeNow();
  }
  this.showArrivalField(row);
  this.refreshRow(row);
};

RegisterPage.prototype.markAllPresent = function () {
  let marked = 0;
  for (const row of this.order) {
    if (!row.input.value.trim()) {
      row.input.value = this.presentCode;
      this.refreshRow(row);
      marked += 1;
    }
  }
  const noun = marked === 1 ? "pupil" : "pupils";
  this.setStatus("draft", `${marked} ${noun} marked present. Now mark the exceptions, then save.`);
  const first = this.order.find((row) => row.input.value === this.presentCode) || this.order[0];
  if (first) first.input.focus();
};

RegisterPage.prototype.showArrivalField = function (row) {
  if (!row.arrivedField) return;
  const late = ["L", "U"].includes(row.input.value.trim().toUpperCase());
  row.arrivedField.hidden = !late && !(row.arrived && row.arrived.value && row.arrived.dataset.saved !== row.arrived.value);
};

// What the catalogue says about a typed code: null when it may be recorded on this date.
// Only feedback: the server checks every mark again and is the authority.
RegisterPage.prototype.codeProblem = function (code) {
  if (!code) return null;
  const known = this.codes.get(code);
  if (!known) return `“${code}” is not an attendance code.`;
  if (!known.recordable) return known.advice || `${code} cannot be recorded on this date.`;
  return null;
};

// A hint that does not stop the save: the other session's present mark, or (on a lesson
// register) a pupil present at registration being marked absent from the lesson.
RegisterPage.prototype.codeHint = function (code, row) {
  if (row && row.onSite && this.isAbsence(code)) {
    return `Present at registration (${row.element.dataset.sessionCode}), absent from this lesson: on site but missing.`;
  }
  if ((code === "/" || code === "\\") && code !== this.presentCode) {
    const session = this.presentCode === "/" ? "morning" : "afternoon";
    return `${code} is the other session's present mark; this is the ${session} register, which uses ${this.presentCode}.`;
  }
  return null;
};

RegisterPage.prototype.isAbsence = function (code) {
  const known = this.codes.get(code);
  return Boolean(known && known.absent);
};

RegisterPage.prototype.isChanged = function (row) {
  const code = row.input.value.trim();
  if (!code) return false;
  if (code !== row.saved) return true;
  return Boolean(row.arrived && row.arrived.value && row.arrived.value !== (row.arrived.dataset.saved || ""));
};

// Redraw one pupil's state: its feedback (catalogue check or server error) and its status word.
RegisterPage.prototype.refreshRow = function (row, serverMessage) {
  const code = row.input.value.trim();
  const problem = serverMessage || this.codeProblem(code);
  row.input.setAttribute("aria-invalid", problem ? "true" : "false");
  row.element.classList.toggle("safewell-register__pupil--error", Boolean(problem));
  if (problem) {
    row.feedback.textContent = problem;
  } else if (this.codeHint(code, row)) {
    row.feedback.textContent = this.codeHint(code, row);
  } else if (code && this.codes.has(code)) {
    row.feedback.textContent = this.codes.get(code).meaning;
  } else {
    row.feedback.textContent = "";
  }
  let state;
  if (this.isQueued(row.pupil)) {
    state = ["pending", "Waiting to send"];
  } else if (this.isChanged(row)) {
    state = ["changed", "Not saved"];
  } else if (row.saved) {
    state = ["saved", "Saved"];
  } else {
    state = ["unmarked", "Not yet marked"];
  }
  row.element.dataset.markState = state[0];
  row.state.textContent = state[1];
  if (row.missingOnSite) row.missingOnSite.hidden = !(row.onSite && this.isAbsence(code));
};

RegisterPage.prototype.isQueued = function (pupil) {
  return this.queue.some((entry) => entry.marks.some((mark) => mark.pupil === pupil));
};

// --- Saving -------------------------------------------------------------------------------

RegisterPage.prototype.save = function () {
  this.clearErrors();
  const marks = [];
  const invalid = [];
  for (const row of this.order) {
    if (!this.isChanged(row)) continue;
    const code = row.input.value.trim();
    if (this.codeProblem(code)) {
      invalid.push(row);
      continue;
    }
    const mark = { pupil: row.pupil, code };
    if (row.arrived && row.arrived.value && ["L", "U"].includes(code)) {
      // The server decides L or U from the arrival instant, so it must carry its offset.
      mark.arrived_at = londonInstant(this.data.date, row.arrived.value);
    }
    marks.push(mark);
  }
  if (invalid.length) {
    this.showErrorSummary(invalid.map((row) => [row, row.feedback.textContent]));
    this.setStatus("failed", `Failed: ${invalid.length} ${invalid.length === 1 ? "mark is" : "marks are"} not valid. Nothing was sent.`);
    return;
  }
  if (!marks.length) {
    this.setStatus(this.queue.length ? "waiting" : "saved", this.queue.length ? "Your marks are waiting to send." : "Nothing new to save.");
    return;
  }
  const reasonField = this.form.querySelector("[name=reason]");
  this.enqueue({
    key: newIdempotencyKey(),
    base_version: null,
    reason: reasonField ? reasonField.value.trim() : "",
    marks,
    created_at: new Date().toISOString(),
  });
};

RegisterPage.prototype.enqueue = function (entry, { first = false } = {}) {
  if (first) {
    this.queue.unshift(entry);
  } else {
    this.queue.push(entry);
  }
  // Kept on this device before anything goes over the network: if the page dies now, the
  // marks are sent when it is next opened.
  const kept = this.persist();
  for (const mark of entry.marks) this.refreshRow(this.rows.get(mark.pupil));
  this.setStatus("sending", kept ? "Sending…" : "Sending… (this browser cannot keep unsent marks: stay on this page until saved)");
  this.sendNow();
};

RegisterPage.prototype.sendNow = function () {
  if (this.retryTimer) {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
  this.pump();
};

RegisterPage.prototype.pump = async function () {
  if (this.sending || this.heldByConflict || !this.queue.length) return;
  this.sending = true;
  const entry = this.queue[0];
  if (entry.base_version === null) {
    // The version this submission is based on: what the page showed, plus our own
    // submissions applied since. Kept with the entry, so a retry is the same request.
    entry.base_version = this.version;
    this.persist();
  }
  let outcome;
  try {
    const response = await this.post(entry);
    outcome = await this.handleResponse(entry, response);
  } catch (error) {
    outcome = this.handleNetworkFailure(error);
  } finally {
    this.sending = false;
  }
  if (outcome === "next") this.pump();
};

RegisterPage.prototype.post = async function (entry) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await fetch(this.data.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(this.requestBody(entry)),
      signal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
  }
};

RegisterPage.prototype.requestBody = function (entry) {
  const common = { date: this.data.date, idempotency_key: entry.key, base_version: entry.base_version, marks: entry.marks };
  if (this.isLesson) return { lesson: Number(this.data.lesson), ...common };
  return {
    site: this.data.site, registration_group: Number(this.data.group), session: this.data.session,
    reason: entry.reason, ...common,
  };
};

RegisterPage.prototype.handleResponse = async function (entry, response) {
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    this.applied(entry, body);
    return "next";
  }
  if (response.status === 409) {
    this.conflicted(entry, body);
    return "stop";
  }
  if (response.status === 422 || response.status === 400) {
    this.rejected(entry, body);
    return "next";
  }
  if (response.status === 401 || response.status === 403) {
    const detail = body.detail || body.message || "you are no longer signed in";
    this.scheduleRetry(`Failed: ${detail}. Sign in again in another tab; your marks are kept on this device and will be sent.`);
    return "stop";
  }
  this.scheduleRetry(`Failed: the server answered ${response.status}${body.detail ? ` (${body.detail})` : ""}. Your marks are kept on this device; trying again`);
  return "stop";
};

RegisterPage.prototype.handleNetworkFailure = function () {
  const why = navigator.onLine === false ? "offline" : "no answer from the server";
  this.scheduleRetry(`Waiting to send (${why}): ${this.pendingCount()} marks kept on this device; trying again`);
  return "stop";
};

RegisterPage.prototype.scheduleRetry = function (message) {
  const delay = this.retryDelay;
  // Exponential backoff with jitter, so thirty tablets coming back online do not retry in step.
  this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
  const seconds = Math.round((delay * (0.75 + Math.random() * 0.5)) / 1000);
  const kind = message.startsWith("Failed") ? "failed" : "waiting";
  this.setStatus(kind, `${message} in ${seconds} s.`);
  this.retryTimer = setTimeout(() => {
    this.retryTimer = null;
    this.pump();
  }, seconds * 1000);
};

RegisterPage.prototype.applied = function (entry, body) {
  this.retryDelay = FIRST_RETRY_MS;
  this.queue.shift();
  this.persist();
  if (typeof body.version === "number") {
    this.version = Math.max(this.version, body.version);
    this.data.version = String(this.version);
    const baseField = this.form.querySelector("[name=base_version]");
    if (baseField) baseField.value = String(this.version);
  }
  for (const mark of entry.marks) {
    const row = this.rows.get(mark.pupil);
    row.saved = mark.code;
    if (row.arrived) row.arrived.dataset.saved = row.arrived.value;
    this.refreshRow(row);
  }
  if (!this.queue.length) {
    const when = new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    this.setStatus("saved", `Saved at ${when}${body.replayed ? " (the server already had these marks)" : ""}.`);
    this.refreshFromServer();
  }
};

RegisterPage.prototype.rejected = function (entry, body) {
  this.queue.shift();
  this.persist();
  const problems = [];
  for (const error of body.errors || []) {
    const found = /^marks\[(\d+)\]/.exec(error.path || "");
    const mark = found ? entry.marks[Number(found[1])] : null;
    const row = mark ? this.rows.get(mark.pupil) : null;
    if (row) {
      this.refreshRow(row, error.message);
      problems.push([row, error.message]);
    } else if ((error.path || "") === "reason") {
      this.showReasonError(error.message);
      problems.push([null, error.message]);
    } else {
      problems.push([null, error.message]);
    }
  }
  for (const mark of entry.marks) {
    const row = this.rows.get(mark.pupil);
    if (!problems.some(([problemRow]) => problemRow === row)) this.refreshRow(row);
  }
  this.showErrorSummary(problems);
  this.setStatus("failed", `Failed: ${body.message || body.detail || "the server refused these marks"}. Nothing in that save was recorded.`);
};

// --- Conflicts ----------------------------------------------------------------------------

RegisterPage.prototype.conflicted = function (entry, body) {
  this.heldByConflict = true;
  const conflicts = body.conflicts || [];
  const list = this.conflictPanel.querySelector("[data-conflict-list]");
  list.replaceChildren();
  for (const conflict of conflicts) {
    const row = this.rows.get(Number(conflict.pupil));
    const name = row ? row.name : `Pupil ${conflict.pupil}`;
    list.append(conflictChoice(conflict, name));
    if (row) {
      row.element.dataset.markState = "conflict";
      row.state.textContent = "Conflict";
    }
  }
  this.pendingConflict = { entry, body };
  this.conflictPanel.hidden = false;
  const count = conflicts.length;
  this.setStatus(
    "failed",
    `Failed: ${count} ${count === 1 ? "mark was" : "marks were"} changed by someone else since you opened this register. Nothing was saved: choose below.`,
  );
  this.conflictPanel.focus();
};

function conflictChoice(conflict, name) {
  const fieldset = document.createElement("fieldset");
  fieldset.className = "govuk-fieldset safewell-register__conflict";
  fieldset.dataset.conflictPupil = String(conflict.pupil);
  const legend = document.createElement("legend");
  legend.className = "govuk-fieldset__legend govuk-fieldset__legend--s";
  legend.textContent = name;
  fieldset.append(legend);
  const radios = document.createElement("div");
  radios.className = "govuk-radios govuk-radios--small";
  const when = conflict.at ? formatTime(conflict.at) : "";
  const theirs = `Theirs: ${conflict.theirs || "no mark"}${conflict.by ? `, by ${conflict.by}` : ""}${when ? ` at ${when}` : ""}`;
  radios.append(
    radio(conflict.pupil, "mine", `Yours: ${conflict.yours}`, true),
    radio(conflict.pupil, "theirs", theirs, false),
  );
  fieldset.append(radios);
  return fieldset;
}

function radio(pupil, value, text, checked) {
  const id = `conflict-${pupil}-${value}`;
  const item = document.createElement("div");
  item.className = "govuk-radios__item";
  const input = document.createElement("input");
  input.className = "govuk-radios__input";
  input.type = "radio";
  input.id = id;
  input.name = `conflict-${pupil}`;
  input.value = value;
  input.checked = checked;
  const label = document.createElement("label");
  label.className = "govuk-label govuk-radios__label";
  label.htmlFor = id;
  label.textContent = text;
  item.append(input, label);
  return item;
}

// The teacher has chosen per mark: theirs become the page's saved marks, mine are sent
// again (with the other marks of that save) on top of the version the server reported.
RegisterPage.prototype.resolveConflicts = function () {
  const { entry, body } = this.pendingConflict;
  const keepTheirs = new Set();
  for (const conflict of body.conflicts || []) {
    const chosen = this.conflictPanel.querySelector(`input[name="conflict-${conflict.pupil}"]:checked`);
    const row = this.rows.get(Number(conflict.pupil));
    if (chosen && chosen.value === "theirs") {
      keepTheirs.add(Number(conflict.pupil));
      if (row) {
        row.saved = conflict.theirs || "";
        row.input.value = conflict.theirs || "";
      }
    } else if (row) {
      row.saved = conflict.theirs || "";
    }
  }
  this.queue.shift();
  this.version = Math.max(this.version, Number(body.version));
  this.data.version = String(this.version);
  this.heldByConflict = false;
  this.pendingConflict = null;
  this.conflictPanel.hidden = true;
  const marks = entry.marks.filter((mark) => !keepTheirs.has(mark.pupil));
  for (const row of this.order) this.refreshRow(row);
  if (marks.length) {
    // A new key: the rejected request applied nothing, and this one is a different request.
    this.enqueue(
      { key: newIdempotencyKey(), base_version: this.version, reason: entry.reason, marks, created_at: new Date().toISOString() },
      { first: true },
    );
  } else {
    this.persist();
    this.setStatus("saved", "Their marks were kept; nothing of yours needed saving.");
    this.pump();
    this.refreshFromServer();
  }
  this.saveButton.focus();
};

// --- Refreshing from the server -----------------------------------------------------------

// After a save, the marks as the server holds them: L or U decided from the arrival time,
// minutes late, and anyone else's changes to pupils this page has not touched.
RegisterPage.prototype.refreshFromServer = async function () {
  if (!this.data.stateUrl) return;
  let body;
  try {
    const response = await fetch(this.data.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    body = await response.json();
  } catch {
    return;
  }
  this.version = Math.max(this.version, Number(body.version));
  this.data.version = String(this.version);
  const taken = document.querySelector("[data-taken]");
  if (taken && body.taken_by) taken.textContent = `Taken by ${body.taken_by}.`;
  // Minutes late count from the register opening, or from a lesson's start.
  const opens = new Date(body.opens_at || body.starts_at).getTime();
  for (const mark of body.pupils || []) {
    const row = this.rows.get(Number(mark.pupil));
    if (!row || !mark.code || this.isQueued(row.pupil) || this.isChanged(row)) continue;
    row.saved = mark.code;
    row.input.value = mark.code;
    const late = ["L", "U"].includes(mark.code) && mark.minutes_late !== null && !Number.isNaN(opens);
    if (row.arrived) {
      // Minutes late count from the register opening (attendance/lateness.py).
      row.arrived.value = late ? londonClock(new Date(opens + mark.minutes_late * 60000).toISOString()) : "";
      row.arrived.dataset.saved = row.arrived.value;
    }
    const minutes = row.element.querySelector("[data-minutes-late]");
    if (minutes) minutes.textContent = late ? `${mark.minutes_late} min late` : "";
    this.showArrivalField(row);
    this.refreshRow(row);
  }
};

// --- Storage ------------------------------------------------------------------------------

RegisterPage.prototype.loadQueue = function () {
  try {
    const stored = JSON.parse(window.localStorage.getItem(this.storageKey) || "[]");
    return Array.isArray(stored) ? stored : [];
  } catch {
    return [];
  }
};

RegisterPage.prototype.persist = function () {
  try {
    if (this.queue.length) {
      window.localStorage.setItem(this.storageKey, JSON.stringify(this.queue));
    } else {
      window.localStorage.removeItem(this.storageKey);
    }
    return true;
  } catch {
    return false;
  }
};

RegisterPage.prototype.restoreQueuedMarks = function () {
  for (const entry of this.queue) {
    for (const mark of entry.marks) {
      const row = this.rows.get(mark.pupil);
      if (!row) continue;
      row.input.value = mark.code;
      if (row.arrived && mark.arrived_at) row.arrived.value = londonClock(mark.arrived_at);
      this.showArrivalField(row);
      this.refreshRow(row);
    }
  }
};

RegisterPage.prototype.pendingCount = function () {
  return this.queue.reduce((total, entry) => total + entry.marks.length, 0);
};

// --- Messages -----------------------------------------------------------------------------

RegisterPage.prototype.setStatus = function (kind, message) {
  this.status.dataset.kind = kind;
  this.status.textContent = message;
};

RegisterPage.prototype.clearErrors = function () {
  if (this.errorSummary) this.errorSummary.hidden = true;
  const reasonError = document.getElementById("reason-error");
  if (reasonError) reasonError.hidden = true;
};

RegisterPage.prototype.showReasonError = function (message) {
  const reasonError = document.getElementById("reason-error");
  if (!reasonError) return;
  reasonError.querySelector("[data-message]").textContent = message;
  reasonError.hidden = false;
};

RegisterPage.prototype.showErrorSummary = function (problems) {
  if (!this.errorSummary || !problems.length) return;
  const list = this.errorSummary.querySelector("[data-error-list]");
  list.replaceChildren();
  for (const [row, message] of problems) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = row ? `#${row.input.id}` : "#reason";
    link.textContent = row ? `${row.name}: ${message}` : message;
    item.append(link);
    list.append(item);
  }
  this.errorSummary.hidden = false;
  this.errorSummary.focus();
};

// --- Helpers ------------------------------------------------------------------------------

function csrfToken() {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// crypto.randomUUID needs a secure context (https or localhost); a school network may
// serve the demo over plain http, so fall back to a v4 UUID from getRandomValues.
function newIdempotencyKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// "HH:MM" in England on `date` ("YYYY-MM-DD") as an ISO instant with its offset (BST or
// GMT as it was that day), whatever time zone the tablet itself is set to.
function londonInstant(date, clock) {
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = clock.split(":").map(Number);
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const offset = londonOffsetMinutes(new Date(guess));
  return new Date(guess - offset * 60000).toISOString();
}

function londonOffsetMinutes(instant) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit",
    }).formatToParts(instant).map((part) => [part.type, part.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return Math.round((wall - instant.getTime()) / 60000);
}

// An ISO instant as "HH:MM" on the clock in England.
function londonClock(iso) {
  if (/^\d{2}:\d{2}$/.test(iso)) return iso;
  return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Europe/London" });
}

// Now, on the clock in England (register times are London wall clock).
function timeNow() {
  return londonClock(new Date().toISOString());
}

function formatTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  return when.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
}

// Last, so every method above is defined before the page starts.
const registerForm = document.querySelector("form[data-register]");
if (registerForm) {
  new RegisterPage(registerForm).start();
}
