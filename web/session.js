// The logged-in user: name, role and the CSRF token of the session, read
// from GET /api/session. Pages ask hasRole() to decide which controls to
// show; the server checks every request again, so hiding is a convenience,
// not the protection.

const RANK = { viewer: 0, steward: 1, admin: 2 };

let session = null;

export function currentSession() {
  return session;
}

export function setSession(value) {
  session = value;
  document.body.dataset.role = value ? value.user.role : '';
}

// The token to send as X-CSRF-Token with changes; "" when not logged in.
export function csrfToken() {
  return session && session.csrf_token ? session.csrf_token : '';
}

// True when the user's role is `role` or a higher one.
export function hasRole(role) {
  return Boolean(session) && RANK[session.user.role] >= RANK[role];
}
