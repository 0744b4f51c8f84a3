/**
 * The server's logger: JSON lines on stdout. The base fields must not reuse a name that log
 * calls use (the request line's `service` is the AWS service called): pino would write the key
 * twice, and JSON readers keep only the last one.
 */
import { pino, type DestinationStream, type Logger } from "pino";
import type { BulwarkConfig } from "../config/config.js";

export function createServerLogger(level: BulwarkConfig["logLevel"], destination: DestinationStream = pino.destination({ sync: false })): Logger {
  return pino({ level, base: { name: "bulwark" } }, destination);
}
