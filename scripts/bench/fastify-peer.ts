/**
 * The plain fastify peer of the inference service, for `npm run bench:service`: the same model,
 * feature encoding and predictor, with the least code fastify needs to serve POST /forecast —
 * fastify's own JSON body parser, its ajv body validation and its fast-json-stringify answer, from
 * the request and response schemas generated from the model, and fastify's logger (pino, its
 * default request lines) at info like the service, or off with PEER_LOGGER=off. No request ids of
 * its own, no EMF metrics, no drain. Settings: PORT, HOST, MODEL_PATH (the model file), PEER_LOGGER.
 */
import { readFileSync } from "node:fs";
import Fastify from "fastify";
import { parseModel } from "../../service/src/model";
import { Predictor } from "../../service/src/predictor";
import { forecastRequestSchema, forecastResponseSchema } from "../../service/src/schemas";
import { RequestValidator, type ForecastBody } from "../../service/src/validate";

const path = process.env.MODEL_PATH ?? "";
const model = parseModel(readFileSync(path, "utf8"), path);
const encoder = new RequestValidator(model);
const predictor = new Predictor(model);

const app = Fastify({ logger: process.env.PEER_LOGGER === "off" ? false : { level: "info" } });
app.post("/forecast", { schema: { body: forecastRequestSchema(model), response: { 200: forecastResponseSchema(model) } } }, (request, reply) => {
  const input = encoder.encode(request.body as ForecastBody);
  return reply.send({ predictions: predictor.predict(input.rows, input.count), model_version: model.model_version });
});
app.get("/health", (_request, reply) => reply.send({ status: "ok" }));
app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? "127.0.0.1" }).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
