// Types of rolegate/react (React 18 or 19).
import type { ReactNode } from "react";
import type { Gate } from "./index.js";

export interface GateProviderProps {
  gate: Gate;
  subject: string;
  /** The default scope of the hooks below (the tenant root when omitted). */
  scope?: string | null;
  children?: ReactNode;
}
export declare function GateProvider(props: GateProviderProps): ReactNode;
export declare function useGate(): { gate: Gate; subject: string; scope: string | undefined };
export declare function useCan(permission: string, scope?: string | null): boolean;
export declare function usePermissions(scope?: string | null): readonly string[];
export type CanProps = { scope?: string | null; fallback?: ReactNode; children?: ReactNode } & (
  | { permission: string; anyOf?: never; allOf?: never }
  | { anyOf: string[]; permission?: never; allOf?: never }
  | { allOf: string[]; permission?: never; anyOf?: never }
);
export declare function Can(props: CanProps): ReactNode;
