/** Asserts a promise rejects with an AwsError of exactly this code, message (string or pattern) and status. */
import assert from "node:assert/strict";
import { AwsError } from "../../../core/errors.js";

export async function expectAwsError(p: Promise<unknown>, code: string, message: string | RegExp, status?: number): Promise<AwsError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof AwsError, `expected AwsError ${code}, got ${caught === undefined ? "success" : String(caught)}`);
  assert.equal(caught.code, code);
  if (typeof message === "string") assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  if (status !== undefined) assert.equal(caught.status, status);
  return caught;
}
