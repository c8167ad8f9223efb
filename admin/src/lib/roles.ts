import type { Role } from './types.js';

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];

/** True when `role` may do what `needed` may (docs/admin-api.md, Roles). */
export const atLeast = (role: Role, needed: Role) => RANK[role] >= RANK[needed];
