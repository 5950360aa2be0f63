// DOM helpers. Every piece of text from the server (object keys, annotations,
// messages) goes through textContent or an attribute set with setAttribute,
// so no data is ever parsed as HTML.

// Creates an element. `props` sets attributes, except: `class` (className),
// `text` (textContent), `on` (event listeners by name), `dataset`, and
// boolean-valued attributes, which are set or removed. `children` are nodes,
// strings (added as text nodes), arrays, null or false (skipped).
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (name === 'class') {
      element.className = value;
    } else if (name === 'text') {
      element.textContent = String(value);
    } else if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'value' && 'value' in element) {
      element.value = value;
    } else if (name === 'checked' || name === 'disabled' || name === 'selected' || name === 'hidden'
               || name === 'required' || name === 'readOnly' || name === 'multiple') {
      element[name] = Boolean(value);
    } else if (typeof value === 'boolean') {
      if (value) element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

// Appends nodes and strings (as text) to `parent`, flattening arrays.
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(parent, child);
    } else if (child instanceof Node) {
      parent.appendChild(child);
    } else {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
  return parent;
}

// Replaces every child of `parent`.
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let nextId = 0;

// Returns an id unique in this page, for label/for and aria links.
export function uniqueId(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// A labelled form field: label, control, optional help text and an error slot.
// Returns {wrapper, control, error, setError(message)}.
export function field(labelText, control, help = null) {
  const id = control.id || uniqueId('field');
  control.id = id;
  const helpNode = help ? h('p', { class: 'help', id: `${id}-help` }, help) : null;
  const errorNode = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  const described = [helpNode ? helpNode.id : null, errorNode.id].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const wrapper = h('div', { class: 'field' }, h('label', { for: id, text: labelText }), control, helpNode, errorNode);
  return {
    wrapper,
    control,
    error: errorNode,
    setError(message) {
      errorNode.textContent = message || '';
      errorNode.hidden = !message;
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

// A notice box: kind is info, success, warning or error.
export function notice(kind, ...children) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

// An empty state: a title, what it means, and what to do next.
export function emptyState(title, text, action = null) {
  return h('div', { class: 'empty-state' }, h('h3', { text: title }), h('p', { text }), action);
}

// An internal link handled by the router (history navigation).
export function link(href, text, props = {}) {
  return h('a', { href, ...props, dataset: { route: '' } }, text);
}
