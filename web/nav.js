// In-app navigation without page reloads. app.js registers the renderer, so
// pages can navigate without importing app.js.

let renderer = null;

export function setRenderer(render) {
  renderer = render;
}

// Navigates to `href` inside the app. With `replaceState`, the current
// history entry is replaced (for changes of sort order or filters).
export function navigate(href, { replaceState = false, focus = true } = {}) {
  if (replaceState) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  if (!replaceState) window.scrollTo(0, 0);
  return renderer ? renderer({ focus }) : Promise.resolve();
}
