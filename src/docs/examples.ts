/**
 * Fills in a media-type `example` wherever the generated OpenAPI document has none, built from the
 * examples on the schema and its properties, so every request and response shows a concrete example.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaObject = { [key: string]: unknown };

const MAX_DEPTH = 8;

function resolve(schema: SchemaObject, components: Record<string, SchemaObject>): SchemaObject {
  const ref = schema.$ref;
  if (typeof ref === "string" && ref.startsWith("#/components/schemas/")) {
    return components[ref.slice("#/components/schemas/".length)] ?? {};
  }
  return schema;
}

export function exampleFor(input: SchemaObject, components: Record<string, SchemaObject>, depth = 0): Json | undefined {
  const schema = resolve(input, components);
  if (schema.example !== undefined) return schema.example as Json;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0] as Json;
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(schema.allOf)) {
    // Every part applies: merge the parts' object examples.
    const parts = (schema.allOf as SchemaObject[]).map((part) => exampleFor(part, components, depth + 1));
    return Object.assign({}, ...parts.filter((p) => p && typeof p === "object" && !Array.isArray(p))) as Json;
  }
  const variants = (schema.anyOf ?? schema.oneOf) as SchemaObject[] | undefined;
  if (variants?.[0]) return exampleFor(variants[0], components, depth + 1);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as Json;
  if (schema.const !== undefined) return schema.const as Json;
  if (schema.type === "array" && schema.items) {
    const item = exampleFor(schema.items as SchemaObject, components, depth + 1);
    return item === undefined ? [] : [item];
  }
  if (schema.type === "object" || schema.properties) {
    const out: { [key: string]: Json } = {};
    for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>)) {
      const value = exampleFor(property, components, depth + 1);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  if (schema.default !== undefined) return schema.default as Json;
  return placeholder(schema.type);
}

/** Last resort, so an example still conforms to its schema: a value of the declared type. */
function placeholder(type: unknown): Json | undefined {
  const first = Array.isArray(type) ? type.find((t) => t !== "null") : type;
  switch (first) {
    case "boolean":
      return false;
    case "integer":
    case "number":
      return 0;
    case "string":
      return "string";
    case "null":
      return null;
    default:
      return undefined;
  }
}

interface MediaType {
  schema?: SchemaObject;
  example?: unknown;
  examples?: unknown;
}

export function withMediaTypeExamples<T extends { paths?: unknown; components?: { schemas?: unknown } }>(doc: T): T {
  const components = (doc.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const fill = (content: Record<string, MediaType> | undefined) => {
    for (const media of Object.values(content ?? {})) {
      if (media.example !== undefined || media.examples !== undefined || !media.schema) continue;
      const example = exampleFor(media.schema, components);
      if (example !== undefined) media.example = example;
    }
  };
  for (const item of Object.values(
    (doc.paths ?? {}) as Record<
      string,
      Record<
        string,
        { requestBody?: { content?: Record<string, MediaType> }; responses?: Record<string, { content?: Record<string, MediaType> }> }
      >
    >,
  )) {
    for (const operation of Object.values(item)) {
      fill(operation.requestBody?.content);
      for (const response of Object.values(operation.responses ?? {})) fill(response.content);
    }
  }
  return doc;
}
