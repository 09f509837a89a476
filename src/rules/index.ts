import { createRouter } from "../lib/create-app";
import * as handlers from "./rules.handlers";
import * as routes from "./rules.routes";

// /rules/test is registered before /rules/{id} so the literal path wins.
export const rulesRouter = createRouter()
  .openapi(routes.createRule, handlers.createRule)
  .openapi(routes.listRules, handlers.listRules)
  .openapi(routes.testRule, handlers.testRule)
  .openapi(routes.getRule, handlers.getRule)
  .openapi(routes.replaceRule, handlers.replaceRule)
  .openapi(routes.deleteRule, handlers.deleteRule)
  .openapi(routes.applyRule, handlers.applyRule);
