import { createRouter } from "../http/create-app";
import * as handlers from "./audit.handlers";
import * as routes from "./audit.routes";

export const auditRouter = createRouter().openapi(routes.listAudit, handlers.listAudit);
