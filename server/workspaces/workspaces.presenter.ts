import type { AccountWorkspaceRow } from './workspaces.repo.js';
import type { InvitationRow, MemberRow } from './members.repo.js';
import type { WorkspaceContext } from './workspace-context.js';
import type { Workspace } from './workspaces.service.js';
import type { Role } from './roles.js';

export function presentWorkspace(w: Workspace | WorkspaceContext, role: Role) {
  return { id: w.id, publicId: w.publicId, name: w.name, role, requireMfa: w.requireMfa, createdAt: w.createdAt.toISOString() };
}

export function presentWorkspaceSummary(w: AccountWorkspaceRow) {
  return { id: w.id, publicId: w.public_id, name: w.name, role: w.role };
}

export function presentMember(m: MemberRow) {
  return { accountId: m.account_id, email: m.email, name: m.display_name, role: m.role, createdAt: m.created_at.toISOString() };
}

export function presentInvitation(i: InvitationRow) {
  return { id: i.id, email: i.email, role: i.role, createdAt: i.created_at.toISOString(), expiresAt: i.expires_at.toISOString() };
}
