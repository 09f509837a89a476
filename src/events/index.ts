import { createRouter } from "../lib/create-app";
import { listEventsHandler } from "./events.handlers";
import { listEvents } from "./events.routes";

export const eventsRouter = createRouter().openapi(listEvents, listEventsHandler);
