import { createRouter } from "../lib/create-app";
import * as handlers from "./categories.handlers";
import * as routes from "./categories.routes";

export const categoriesRouter = createRouter()
  .openapi(routes.createCategory, handlers.createCategory)
  .openapi(routes.listCategories, handlers.listCategories)
  .openapi(routes.getCategory, handlers.getCategory)
  .openapi(routes.replaceCategory, handlers.replaceCategory)
  .openapi(routes.deleteCategory, handlers.deleteCategory);
