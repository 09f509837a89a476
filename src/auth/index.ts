import { createRouter } from "../http/create-app";
import * as handlers from "./auth.handlers";
import * as routes from "./auth.routes";

export const authRouter = createRouter()
  .openapi(routes.signUp, handlers.signUp)
  .openapi(routes.login, handlers.login)
  .openapi(routes.me, handlers.me)
  .openapi(routes.logout, handlers.logout)
  .openapi(routes.changePassword, handlers.changePassword);
