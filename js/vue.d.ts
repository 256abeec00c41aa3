// Types of rolegate/vue (Vue 3).
import type { ComputedRef, Ref, Plugin } from "vue";
import type { Gate } from "./index.js";

export interface Rolegate extends Plugin {
  setSubject(subject: string): void;
  setScope(scope: string | null | undefined): void;
}
export declare function createRolegate(options: { gate: Gate; subject: string; scope?: string | null }): Rolegate;
export declare function useCan(permission: string | Ref<string>, scope?: string | null | Ref<string | null | undefined>): ComputedRef<boolean>;

declare module "vue" {
  interface ComponentCustomProperties {
    /** Whether the plugin's subject holds `permission` on `scope` (default: the plugin's scope). */
    $can(permission: string, scope?: string | null): boolean;
  }
}
