import { createRouter } from "../http/create-app";
import { getAnalyticsHandler } from "./analytics.handlers";
import { getAnalytics } from "./analytics.routes";

export const analyticsRouter = createRouter().openapi(getAnalytics, getAnalyticsHandler);
