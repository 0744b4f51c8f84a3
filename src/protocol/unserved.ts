/**
 * Errors for requests no served service takes: a client pointed at this endpoint for a service
 * Bulwark does not offer (EC2, S3, Lambda… — tools that clean or inventory a whole account call
 * them all), whose credential scope names that service, or a request without a usable signature
 * that names nothing served. Such a request is answered in the error format of its own protocol,
 * so the client's SDK reads the error code and message; in another protocol's format it cannot
 * parse the body and reports a serialization error without either.
 *
 * The protocol is read from the request, as that service's own endpoint would know it: awsJson by
 * Content-Type or X-Amz-Target; EC2's own query dialect by its signing name `ec2`; S3's bare
 * `<Error>` document by its signing names; a query form (`Action=`) as awsQuery; Route 53 and
 * CloudFront, REST-XML services that wrap errors in `<ErrorResponse>` as query services do, as
 * awsQuery; any other signed request as REST-JSON (Lambda, API Gateway, EKS…: code in the
 * `x-amzn-ErrorType` header, `message` in the body). An unsigned request that names nothing is
 * answered as before (awsQuery unless its headers say awsJson).
 */
import type { AwsError } from "../core/errors.js";
import type { ProtocolName } from "../services/types.js";
import { headerValue, mediaTypeOf } from "./headers.js";
import { wireError } from "./errors.js";
import { escapeXml } from "./xml.js";
import type { WireRequest, WireResponse } from "./types.js";

/** Signing names of S3 (REST-XML, errors as a bare `<Error>` document). */
const S3_SIGNING_NAMES: ReadonlySet<string> = new Set(["s3", "s3express", "s3-object-lambda", "s3-outposts"]);
/** REST-XML services whose errors have the query protocol's `<ErrorResponse><Error>` envelope. */
const ERROR_RESPONSE_REST_XML: ReadonlySet<string> = new Set(["route53", "cloudfront"]);

/** The protocol a request with no served service speaks, from its headers, body and signing name. */
export function unservedProtocol(req: WireRequest, signingName: string | undefined): ProtocolName {
  const mt = mediaTypeOf(req);
  if (mt === "application/x-amz-json-1.0") return "awsJson1_0";
  if (mt === "application/x-amz-json-1.1") return "awsJson1_1";
  if (headerValue(req, "x-amz-target") !== undefined) return "awsJson1_1";
  if (signingName === undefined) return "awsQuery";
  if (signingName === "ec2") return "ec2Query";
  if (S3_SIGNING_NAMES.has(signingName)) return "restXml";
  if (mt === "application/x-www-form-urlencoded" || /(?:^|&)Action=/.test(req.rawQuery) || ERROR_RESPONSE_REST_XML.has(signingName)) return "awsQuery";
  return "restJson1";
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * The error in the envelope of `protocol` for one of the protocols no engine serves here (ec2Query,
 * restXml, restJson1); undefined for the others, which their engines encode.
 */
export function encodeUnservedError(protocol: ProtocolName, err: AwsError, requestId: string): WireResponse | undefined {
  const { code, status } = wireError(protocol, err);
  const message = err.message;
  switch (protocol) {
    case "ec2Query": {
      // EC2's API reference, "Error codes": <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
      const body = `${XML_DECLARATION}<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`;
      return { status, headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-RequestId": requestId }, body: Buffer.from(body, "utf8") };
    }
    case "restXml": {
      // S3's API reference, "Error responses": a bare <Error> with Code, Message and RequestId.
      const body = `${XML_DECLARATION}<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><RequestId>${escapeXml(requestId)}</RequestId></Error>`;
      return { status, headers: { "content-type": "application/xml", "x-amz-request-id": requestId }, body: Buffer.from(body, "utf8") };
    }
    case "restJson1": {
      const body = JSON.stringify({ message });
      const headers: Record<string, string> = { "content-type": "application/json", "x-amzn-ErrorType": code, "x-amzn-RequestId": requestId };
      // The Go SDK v1's REST-JSON reader takes the message from this header, not the body, once the
      // code came from x-amzn-ErrorType; only printable ASCII fits a header value.
      if (/^[\x20-\x7e]*$/.test(message)) headers["x-amzn-ErrorMessage"] = message;
      return { status, headers, body: Buffer.from(body, "utf8") };
    }
    default:
      return undefined;
  }
}
