// Types of rolegate/svelte (Svelte 4 and 5): a store following the Svelte store contract,
// and the same function as an action on a DOM node.
import type { Gate } from "./index.js";

export interface Readable<T> {
  subscribe(run: (value: T) => void): () => void;
}
export interface CanActionParams {
  gate: Gate;
  subject: string;
  permission: string;
  scope?: string | null;
  mode?: "hide" | "disable";
}
export interface ActionReturn {
  update(params: CanActionParams): void;
  destroy(): void;
}
export declare function can(gate: Gate, subject: string, permission: string, scope?: string | null): Readable<boolean>;
export declare function can(node: Element, params: CanActionParams): ActionReturn;
export declare function canAction(node: Element, params: CanActionParams): ActionReturn;
