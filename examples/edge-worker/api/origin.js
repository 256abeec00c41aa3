// The stub origin behind the guard: it trusts the guard completely and answers every
// request with what was asked and by whom (a real service would do the work here).
export function originAnswer(method, path, subject) {
  return { ok: true, method, path, subject, at: new Date().toISOString() };
}
