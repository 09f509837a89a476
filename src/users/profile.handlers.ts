import { requestRecompute } from "../analytics/queue";
import { auditContext } from "../audit/audit";
import { profileOf } from "../auth/users";
import type { AppRouteHandler } from "../http/context";
import type { updateProfile } from "./profile.routes";
import * as service from "./profile.service";

export const updateProfileHandler: AppRouteHandler<typeof updateProfile> = async (c) => {
  const userId = c.get("user").id;
  const { user, analyticsVersion } = await service.updateProfile(c.var.db, userId, c.req.valid("json"), auditContext(c));
  if (analyticsVersion > 0) requestRecompute({ env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) }, userId, analyticsVersion);
  return c.json(profileOf(user), 200);
};
