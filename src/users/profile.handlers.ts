import type { RouteHandler } from "@hono/zod-openapi";
import { notifyAnalytics } from "../analytics/notify";
import { auditContext } from "../audit/audit.service";
import { profileOf } from "../auth/users";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import type { updateProfile } from "./profile.routes";
import * as service from "./profile.service";

export const updateProfileHandler: RouteHandler<typeof updateProfile, AppEnv> = async (c) => {
  const { user, analyticsVersion } = await service.updateProfile(getDb(c.env.DB), c.get("user"), c.req.valid("json"), auditContext(c));
  if (analyticsVersion > 0) notifyAnalytics(c, user.id, analyticsVersion);
  return c.json(profileOf(user), 200);
};
