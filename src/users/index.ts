import { createRouter } from "../http/create-app";
import { updateProfileHandler } from "./profile.handlers";
import { updateProfile } from "./profile.routes";

export const usersRouter = createRouter().openapi(updateProfile, updateProfileHandler);
