// Types for build.mjs, which stays plain JavaScript so `npm start` needs no compiler to begin.
export const BUILD_STAMP: string;
export const WIDGET_STAMP: string;
export const ADMIN_STAMP: string;
export function build(options?: { onlyStale?: boolean }): void;
export function buildServer(): void;
export function buildWidget(): void;
export function buildAdmin(): void;
export function carryOverChunks(from: string, to: string): string[];
export function isStale(): boolean;
export function serverStale(): boolean;
export function widgetStale(): boolean;
export function adminStale(): boolean;
