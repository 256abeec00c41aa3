// How the framework bindings' own-element helpers (v-can, use:can) show or deny their
// element: hide with an inline `display: none !important`, or disable (`disabled` on form
// controls; `inert` otherwise), with `aria-disabled` either way.

const FORM_CONTROLS = /^(BUTTON|INPUT|SELECT|TEXTAREA|FIELDSET)$/;

export function toggle(element, allowed, mode) {
  if (mode === "disable") {
    if (FORM_CONTROLS.test(element.tagName)) element.disabled = !allowed;
    else element.toggleAttribute("inert", !allowed);
    if (allowed) element.removeAttribute("aria-disabled");
    else element.setAttribute("aria-disabled", "true");
  } else if (allowed) {
    element.style.removeProperty("display");
  } else {
    element.style.setProperty("display", "none", "important");
  }
}
