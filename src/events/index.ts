import { createRouter } from "../http/create-app";
import { listEventsHandler } from "./events.handlers";
import { listEvents } from "./events.routes";

export const eventsRouter = createRouter().openapi(listEvents, listEventsHandler);
