/**
 * The fastify floor for `npm run bench:service`: fastify 5 with its logger off, whose POST /forecast
 * parses the body with fastify's own JSON parser and answers the ceiling's constant document: no
 * logging, schema, validation, prediction, request ids or metrics. Every fastify server that reads a
 * JSON body does at least this much per request, so what the floor serves per second on one core
 * bounds what any of them can serve here, and its ratio to the bare node:http ceiling is the most a
 * server on fastify can reach of that ceiling. Settings: PORT, HOST.
 */
import Fastify from "fastify";
import { BODY, CONTENT_TYPE } from "./constant-answer";

const app = Fastify({ logger: false });
app.post("/forecast", (_request, reply) => reply.type(CONTENT_TYPE).send(BODY));
app.get("/health", (_request, reply) => reply.send({ status: "ok" }));
app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? "127.0.0.1" }).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
