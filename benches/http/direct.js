// The load script's baseline: the same hop to the origin as the guard worker, unguarded.
export default {
  fetch: (request, env) => env.ORIGIN.fetch(request),
};
