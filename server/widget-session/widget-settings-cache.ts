import type { Db } from '../db/db.js';
import { SETTINGS_CHANNEL } from '../db/tenant.js';
import { isOriginAllowed } from '../http/cors.js';
import { findWidgetSettings, type WidgetSettings } from './widget-session.repo.js';

/** A safety net: an entry is read again after this long even if no change was heard. */
export const SETTINGS_TTL_MS = 60_000;
/** Workspaces held at most; the oldest entry goes first. */
export const MAX_CACHED_WORKSPACES = 10_000;
/** Origins remembered per entry as allowed or not; a page with more is checked each time. */
const MAX_ORIGINS_PER_ENTRY = 64;

/**
 * Each workspace's widget settings, held by this instance so a widget request needs no
 * read of its own. Migration 0012 notifies every change (from any instance or
 * command-line tool) and this instance's own commits tell it at once (Db.notifyHere):
 * the workspace's entry is dropped. While the notifications cannot be heard (before
 * LISTEN, or its connection lost) nothing is held: every call reads.
 */
export interface WidgetSettingsCache {
  /** The settings: from memory when held, else read in a transaction of its own. */
  get(workspaceId: string): Promise<WidgetSettings>;
  /** The settings if held; never reads. */
  peek(workspaceId: string): WidgetSettings | undefined;
  /**
   * Taken before reading settings in some other transaction; offer() keeps what was read
   * only if nothing changed since, so a read that raced a change is not kept.
   */
  ticket(): number;
  offer(ticket: number, workspaceId: string, settings: WidgetSettings): void;
  /** Entries held now (tests). */
  readonly size: number;
}

interface Entry {
  settings: WidgetSettings;
  expires: number;
}

const caches = new WeakMap<Db, WidgetSettingsCache>();

/** The cache of this database handle: one per instance, made on first use. */
export function widgetSettingsCache(db: Db): WidgetSettingsCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = createCache(db)));
  return cache;
}

function createCache(db: Db): WidgetSettingsCache {
  const entries = new Map<string, Entry>();
  const reading = new Map<string, Promise<WidgetSettings>>();
  let listening = false;
  // Moves on every change heard: a read that began before it is not kept.
  let changes = 0;
  const drop = (workspaceId: string) => {
    changes++;
    entries.delete(workspaceId);
    reading.delete(workspaceId);
  };
  const dropAll = () => {
    changes++;
    entries.clear();
    reading.clear();
  };
  db.listen(SETTINGS_CHANNEL, {
    notify: drop,
    lost() {
      listening = false;
      dropAll();
    },
    // Whatever changed while not listening went unheard.
    listening() {
      dropAll();
      listening = true;
    },
  });

  const cache: WidgetSettingsCache = {
    peek(workspaceId) {
      const entry = entries.get(workspaceId);
      if (!entry) return undefined;
      if (entry.expires > Date.now()) return entry.settings;
      entries.delete(workspaceId);
      return undefined;
    },
    get(workspaceId) {
      const held = cache.peek(workspaceId);
      if (held) return Promise.resolve(held);
      // Visitors arriving together share one read.
      let read = reading.get(workspaceId);
      if (read) return read;
      const ticket = cache.ticket();
      read = findWidgetSettings(db, workspaceId).then((settings) => {
        cache.offer(ticket, workspaceId, settings);
        return settings;
      });
      reading.set(workspaceId, read);
      const forget = () => {
        if (reading.get(workspaceId) === read) reading.delete(workspaceId);
      };
      read.then(forget, forget);
      return read;
    },
    ticket: () => changes,
    offer(ticket, workspaceId, settings) {
      if (!listening || ticket !== changes) return;
      entries.delete(workspaceId);
      if (entries.size >= MAX_CACHED_WORKSPACES) entries.delete(entries.keys().next().value!);
      entries.set(workspaceId, { settings, expires: Date.now() + SETTINGS_TTL_MS });
    },
    get size() {
      return entries.size;
    },
  };
  return cache;
}

const originsSeen = new WeakMap<WidgetSettings, Map<string, boolean>>();

/**
 * isOriginAllowed for these settings, remembered per origin: parsing the allowed entries
 * on every request of a busy page costs more than the rest of its authentication.
 */
export function originAllowed(settings: WidgetSettings, origin: string | undefined): boolean {
  if (origin === undefined) return isOriginAllowed(origin, settings.allowedOrigins);
  let seen = originsSeen.get(settings);
  if (!seen) originsSeen.set(settings, (seen = new Map()));
  let allowed = seen.get(origin);
  if (allowed === undefined) {
    allowed = isOriginAllowed(origin, settings.allowedOrigins);
    if (seen.size < MAX_ORIGINS_PER_ENTRY) seen.set(origin, allowed);
  }
  return allowed;
}
