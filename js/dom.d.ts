// Types of rolegate/dom.
import type { Gate, SnapshotBytes } from "./index.js";

export type GateMode = "hide" | "disable" | "remove";

export interface GateElementsOptions {
  /** Whose permissions gate the elements. */
  subject: string;
  /** Scope for elements without a `data-scope` ancestor (default: the tenant root). */
  scope?: string | null;
  /** Where to gate (default: `document.body`). */
  root?: Element;
  /** What a denied element gets (default `hide`); `data-mode` overrides per element. */
  mode?: GateMode;
  /** Gate elements added or changed later (MutationObserver, before paint). Default true. */
  watch?: boolean;
}

/** An `unknown` event: markup named a permission the snapshot does not know (denied). */
export interface UnknownPermissionEvent extends Event {
  readonly permission: string;
  readonly element: Element;
}

export interface ElementGate extends EventTarget {
  refresh(): void;
  setSubject(subject: string): void;
  setScope(scope: string | null | undefined): void;
  stop(): void;
  addEventListener(type: "unknown", listener: (event: UnknownPermissionEvent) => void): void;
  addEventListener(type: "gated", listener: (event: Event) => void): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

export declare function gateElements(gate: Gate, options: GateElementsOptions): ElementGate;

export interface GateStore {
  subscribe(listener: () => void): () => void;
  getSnapshot(): number;
}

export declare function gateStore(gate: Gate): GateStore;

export interface RefresherOptions {
  /** Poll interval in ms (default 60000). */
  interval?: number;
  fetch?: typeof fetch;
  /** A Server-Sent Events URL whose `revision` events push new revisions (fetched at once; polling stays the fallback). */
  events?: string | URL;
  /** A signed delta from `revision` (`rolegate build --delta-from`), or null when none is published: tried before each full fetch; a refused one falls back to it. */
  delta?: (revision: number) => SnapshotBytes | null | undefined | Promise<SnapshotBytes | null | undefined>;
}

export interface RefreshErrorEvent extends Event {
  readonly error: Error & { code?: string };
}

export interface Refresher extends EventTarget {
  /** Fetches now; resolves to whether a new snapshot was loaded. */
  refresh(): Promise<boolean>;
  stop(): void;
  addEventListener(type: "error", listener: (event: RefreshErrorEvent) => void): void;
  addEventListener(type: "updated" | "expired", listener: (event: Event) => void): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

export declare function refresher(gate: Gate, url: string | URL, options?: RefresherOptions): Refresher;
