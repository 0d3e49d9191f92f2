// Nothing typed is lost (docs/forms.md). A form with a draft marker
// (<span data-draft="TOKEN">, templates/includes/draft.html) keeps a copy of what is typed in
// sessionStorage under its draft token. The token stays the same when the page is shown again
// (a reload, the language switch, Back after an error page), so the copy is put back into a
// form the server showed empty (or marked data-draft-fresh). A page that names the token in data-draft-clear (the page
// after a receipt) forgets the copy. sessionStorage is this tab's only and ends with it.

const PREFIX = "samverkan-draft:";
const SKIPPED = new Set(["csrfmiddlewaretoken", "request_id", "confirm_duplicate"]);
const NOT_KEPT = new Set(["hidden", "submit", "button", "reset", "file", "password", "search"]);

function kept(form) {
  return Array.from(form.elements).filter(
    (el) => el.name && !SKIPPED.has(el.name) && !NOT_KEPT.has(el.type) && !el.disabled,
  );
}

function read(form) {
  const data = {};
  for (const el of kept(form)) {
    if (el.type === "radio") {
      if (el.checked) data[el.name] = el.value;
    } else if (el.type === "checkbox") {
      data[el.name] = data[el.name] || [];
      if (el.checked) data[el.name].push(el.value);
    } else {
      data[el.name] = el.value;
    }
  }
  return data;
}

function isEmpty(form) {
  return kept(form).every(
    (el) => el.type === "radio" || el.type === "checkbox" || el.tagName === "SELECT" || !el.value,
  );
}

function restore(form, data) {
  for (const el of kept(form)) {
    if (!(el.name in data)) continue;
    const value = data[el.name];
    if (el.type === "radio") {
      el.checked = el.value === value;
    } else if (el.type === "checkbox") {
      el.checked = Array.isArray(value) && value.includes(el.value);
    } else if (el.tagName === "SELECT") {
      if (Array.from(el.options).some((option) => option.value === value)) el.value = value;
    } else {
      el.value = value;
    }
  }
}

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage switched off: the server still keeps what is posted
  }
}

const store = storage();
if (store) {
  for (const marker of document.querySelectorAll("[data-draft-clear]")) {
    store.removeItem(PREFIX + marker.dataset.draftClear);
  }
  for (const marker of document.querySelectorAll("[data-draft]")) {
    const form = marker.closest("form");
    const token = marker.dataset.draft;
    if (!form || !token) continue;
    const key = PREFIX + token;
    const saved = store.getItem(key);
    // A form shown empty, or one the server marks as shown fresh (data-draft-fresh: unbound,
    // with values filled in beforehand), gets back what was typed.
    if (saved && (isEmpty(form) || "draftFresh" in marker.dataset)) {
      try {
        restore(form, JSON.parse(saved));
      } catch {
        store.removeItem(key);
      }
    }
    const save = () => {
      try {
        store.setItem(key, JSON.stringify(read(form)));
      } catch {
        // full or refused: nothing more to do in the browser
      }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", save);
  }
}
