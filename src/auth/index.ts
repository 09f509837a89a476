import { createRouter } from "../lib/create-app";
import { loginHandler, meHandler, signUpHandler } from "./auth.handlers";
import { login, me, signUp } from "./auth.routes";

export const authRouter = createRouter()
  .openapi(signUp, signUpHandler)
  .openapi(login, loginHandler)
  .openapi(me, meHandler);
