import type { GramJsFamilyClient, TelegramClientLike as ThisPackagesClient } from './clientLike.js';

/**
 * Any client a session can hold: this package's GramJS `TelegramClient` (or anything with its
 * methods), or a client of another GramJS-family library such as teleproto's `TelegramClient`.
 */
export type TelegramClientLike = ThisPackagesClient | GramJsFamilyClient;
