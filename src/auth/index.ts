import { createRouter } from "../http/create-app";
import * as handlers from "./auth.handlers";
import * as routes from "./auth.routes";

export const authRouter = createRouter()
  .openapi(routes.signUp, handlers.signUpHandler)
  .openapi(routes.login, handlers.loginHandler)
  .openapi(routes.me, handlers.meHandler)
  .openapi(routes.logout, handlers.logoutHandler)
  .openapi(routes.changePassword, handlers.changePasswordHandler)
  .openapi(routes.listAudit, handlers.listAuditHandler);
