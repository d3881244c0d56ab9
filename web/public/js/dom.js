// DOM helpers. Text always goes in through textContent and attributes through
// setAttribute, never innerHTML: user data cannot become markup.

/**
 * el('li', {class: 'x', text: 'hi', attrs: {title: 't'}, on: {click: f}}, child, ...)
 */
export function el(tag, { class: cls, text, attrs, on, dataset } = {}, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [k, v] of Object.entries(dataset ?? {})) node.dataset[k] = String(v);
  for (const [event, fn] of Object.entries(on ?? {})) node.addEventListener(event, fn);
  for (const child of children) if (child) node.append(child);
  return node;
}

export const $ = (id) => document.getElementById(id);

/** "14:05", or "Mar 3" for another day. */
export function shortTime(iso) {
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) {
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** Splits "a@x.com, b@y.com\nc@z.com" into addresses. */
export function parseEmails(text) {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}
