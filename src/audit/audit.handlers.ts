import type { AppRouteHandler } from "../http/context";
import { readAuditPage } from "./audit";
import type * as routes from "./audit.routes";

export const listAudit: AppRouteHandler<typeof routes.listAudit> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await readAuditPage(c.var.db, c.get("user").id, limit, cursor), 200);
};
