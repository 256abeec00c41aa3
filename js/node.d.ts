// Types of rolegate/node (the middleware; the package's Node entry is "rolegate").
import type { Allowed, GuardOptions } from "./edge.js";

export type Denied = { status: 400 | 401 | 403 | 503; body: { error: string; message?: string; missing?: string[] } };

export interface NodeRequestLike {
  method: string;
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined> | Headers;
}

export declare function authorizer(options: Omit<GuardOptions, "identify"> & { identify?: (request: any) => string | null | undefined | Promise<string | null | undefined> }): (request: NodeRequestLike) => Promise<Allowed | Denied>;

export declare function middleware(options: Parameters<typeof authorizer>[0]): (req: any, res: any, next: (error?: unknown) => void) => void;
