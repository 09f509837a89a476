import { createRouter } from "../lib/create-app";
import { getAnalyticsHandler } from "./analytics.handlers";
import { getAnalytics } from "./analytics.routes";

export const analyticsRouter = createRouter().openapi(getAnalytics, getAnalyticsHandler);
