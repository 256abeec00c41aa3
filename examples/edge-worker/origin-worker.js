// The stub origin as a worker, reached only through the guard's service binding.
import { originAnswer } from "./api/origin.js";
import { SUBJECT_HEADER } from "./api/routes.js";

export default {
  fetch(request) {
    const url = new URL(request.url);
    return Response.json(originAnswer(request.method, url.pathname, request.headers.get(SUBJECT_HEADER)));
  },
};
