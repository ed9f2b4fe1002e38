/**
 * The ceiling for `npm run bench:service`: a bare node:http server that reads each request's body
 * and answers one constant JSON document (a one-prediction forecast answer), doing no parsing,
 * validation, prediction or logging. What it serves per second on one core bounds what any
 * server on node:http can serve here. Settings: PORT, HOST.
 */
import { createServer } from "node:http";
import { BODY, CONTENT_TYPE } from "./constant-answer";

const HEADERS = { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(BODY) };

createServer((req, res) => {
  req.on("data", () => undefined);
  req.on("end", () => {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
