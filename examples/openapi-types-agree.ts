// Compile-time check (npm run typecheck): the types generated from the OpenAPI document
// (examples/openapi-types.d.ts) and the types hono/client infers from the app agree, for the bodies the
// client example uses. If a schema or a route changes without `npm run openapi:types`, this stops compiling.
import type { hc, InferRequestType, InferResponseType } from "hono/client";
import type { AppType } from "../src/app";
import type { components, operations } from "./openapi-types";

type Client = ReturnType<typeof hc<AppType>>;
type Schemas = components["schemas"];

/** True when each type is assignable to the other (catches added, removed, renamed and optional-vs-required fields). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Agree<T extends true> = T;

export type Checks = [
  Agree<Same<InferResponseType<Client["api"]["v1"]["user"]["sign_up"]["$post"], 201>, Schemas["UserProfile"]>>,
  Agree<Same<InferResponseType<Client["api"]["v1"]["user"]["login"]["$post"], 200>, Schemas["LoginResponse"]>>,
  Agree<Same<InferResponseType<Client["api"]["v1"]["transaction"]["create"]["$post"], 201>, Schemas["Transaction"]>>,
  Agree<Same<InferResponseType<Client["api"]["v1"]["transaction"]["all"]["$get"], 200>, Schemas["TransactionPage"]>>,
  Agree<Same<InferResponseType<Client["api"]["v1"]["transaction"]["analytics"][":user_id"]["$get"], 200>, Schemas["Analytics"]>>,
  Agree<Same<InferRequestType<Client["api"]["v1"]["user"]["sign_up"]["$post"]>["json"], Schemas["SignUpRequest"]>>,
  Agree<Same<InferRequestType<Client["api"]["v1"]["transaction"]["create"]["$post"]>["json"], Schemas["CreateTransaction"]>>,
  Agree<
    Same<
      InferRequestType<Client["api"]["v1"]["transaction"]["analytics"][":user_id"]["$get"]>["query"],
      NonNullable<operations["getAnalytics"]["parameters"]["query"]>
    >
  >,
];
