import { Router, type Request } from 'express';
import { requireAdmin } from '../auth/admin-session.js';
import { parseInput } from '../http/validate.js';
import * as members from './members.service.js';
import { auditActor, currentWorkspace } from './workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from './workspace-routes.js';
import { presentInvitation, presentMember, presentWorkspace, presentWorkspaceSummary } from './workspaces.presenter.js';
import { acceptInvitationBody, createWorkspaceBody, deleteWorkspaceBody, inviteBody, updateMemberBody, updateWorkspaceBody, uuidParam } from './workspaces.schema.js';
import * as workspaces from './workspaces.service.js';

const signedInActor = (req: Request) => ({ ...auditActor(req), accountId: requireAdmin(req.admin).account.id });
const param = (req: Request, name: string, code: string) => parseInput(uuidParam, req.params[name], code);

/** GET and POST /api/admin/workspaces: the signed-in account's workspaces, and a new one. */
export function accountWorkspaceRoutes({ db }: AdminFeatureDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const rows = await workspaces.listWorkspaces(db, requireAdmin(req.admin).account.id);
    res.json({ workspaces: rows.map(presentWorkspaceSummary) });
  });
  router.post('/', async (req, res) => {
    const body = parseInput(createWorkspaceBody, req.body ?? {}, 'invalid_body');
    const workspace = await workspaces.createWorkspace(db, signedInActor(req), body.name);
    res.status(201).json({ workspace: presentWorkspace(workspace, 'owner') });
  });
  return router;
}

/** POST /api/admin/invitations/accept: joins the workspace an invitation link names. */
export function invitationRoutes({ db }: AdminFeatureDeps): Router {
  const router = Router();
  router.post('/accept', async (req, res) => {
    const body = parseInput(acceptInvitationBody, req.body ?? {}, 'invalid_body');
    // The role is the one held now: an existing member keeps theirs.
    res.json({ workspace: await members.acceptInvitation(db, signedInActor(req), body.token) });
  });
  return router;
}

/** The workspace itself, its members and invitations. */
export function workspaceRoutes(deps: AdminFeatureDeps): WorkspaceRoute[] {
  const { db } = deps;
  return [
    {
      method: 'get', path: '', role: 'viewer', allowWithoutMfa: true,
      handler: (req, res) => {
        const workspace = currentWorkspace(req);
        res.json({ workspace: presentWorkspace(workspace, workspace.role) });
      },
    },
    {
      method: 'patch', path: '', role: 'admin',
      handler: async (req, res) => {
        const ws = currentWorkspace(req);
        const body = parseInput(updateWorkspaceBody, req.body ?? {}, 'invalid_body');
        const updated = await workspaces.updateWorkspace(db, ws, auditActor(req), body);
        res.json({ workspace: presentWorkspace(updated, ws.role) });
      },
    },
    {
      method: 'delete', path: '', role: 'owner',
      handler: async (req, res) => {
        const body = parseInput(deleteWorkspaceBody, req.body ?? {}, 'invalid_body');
        await workspaces.deleteWorkspace(db, currentWorkspace(req), body.confirm);
        res.status(204).end();
      },
    },
    {
      method: 'get', path: '/members', role: 'viewer',
      handler: async (req, res) => {
        const rows = await members.listMembers(db, currentWorkspace(req));
        res.json({ members: rows.map(presentMember) });
      },
    },
    {
      method: 'patch', path: '/members/:accountId', role: 'admin',
      handler: async (req, res) => {
        const accountId = param(req, 'accountId', 'invalid_id');
        const body = parseInput(updateMemberBody, req.body ?? {}, 'invalid_body');
        const member = await members.changeRole(db, currentWorkspace(req), auditActor(req), accountId, body.role);
        res.json({ member: presentMember(member) });
      },
    },
    {
      // Any member may leave; removing someone else takes admin (checked in the service).
      method: 'delete', path: '/members/:accountId', role: 'viewer',
      handler: async (req, res) => {
        const accountId = param(req, 'accountId', 'invalid_id');
        await members.removeMember(db, currentWorkspace(req), auditActor(req), accountId);
        res.status(204).end();
      },
    },
    {
      method: 'get', path: '/invitations', role: 'admin',
      handler: async (req, res) => {
        const rows = await members.listInvitations(db, currentWorkspace(req));
        res.json({ invitations: rows.map(presentInvitation) });
      },
    },
    {
      method: 'post', path: '/invitations', role: 'admin',
      handler: async (req, res) => {
        const body = parseInput(inviteBody, req.body ?? {}, 'invalid_body');
        const invitation = await members.invite(deps, currentWorkspace(req), signedInActor(req), body);
        res.status(201).json({ invitation: presentInvitation(invitation) });
      },
    },
    {
      method: 'delete', path: '/invitations/:invitationId', role: 'admin',
      handler: async (req, res) => {
        const id = param(req, 'invitationId', 'invalid_id');
        await members.revokeInvitation(db, currentWorkspace(req), auditActor(req), id);
        res.status(204).end();
      },
    },
  ];
}
