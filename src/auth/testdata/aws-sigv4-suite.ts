/**
 * AWS Signature Version 4 test suite vectors (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html,
 * also shipped with awslabs/aws-c-auth as tests/aws-signing-test-suite/v4). Each entry is the signed raw
 * HTTP/1.1 request as published: request line, header lines (a line starting with whitespace continues
 * the previous header — obsolete line folding, each continuation being one more value), a blank line,
 * then the body. Header-form entries carry an Authorization line; query-form entries carry
 * X-Amz-Signature in the query.
 *
 * `creqSha256` is the hash of the canonical request from the suite's .sts file, where published, so a
 * canonicalisation bug shows up as such and not only as a signature mismatch.
 * `normalize: false` marks the aws-c-auth "-unnormalized" variants (S3-style: no dot-segment removal,
 * single encoding).
 */
export const SUITE_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  amzDate: "20150830T123600Z",
  timeMs: Date.UTC(2015, 7, 30, 12, 36, 0),
} as const;

export const STS_TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

export interface SuiteVector {
  name: string;
  form: "header" | "query";
  normalize: boolean;
  request: string;
  creqSha256?: string;
}

const HOST = "Host:example.amazonaws.com";
const DATE = "X-Amz-Date:20150830T123600Z";
const AUTH = "Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";
const QAUTH =
  "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z";

function header(name: string, lines: string[], creqSha256?: string, normalize = true): SuiteVector {
  const v: SuiteVector = { name, form: "header", normalize, request: lines.join("\n") + "\n\n" };
  if (creqSha256 !== undefined) v.creqSha256 = creqSha256;
  return v;
}

function headerWithBody(name: string, lines: string[], body: string, creqSha256?: string): SuiteVector {
  const v: SuiteVector = { name, form: "header", normalize: true, request: lines.join("\n") + "\n\n" + body };
  if (creqSha256 !== undefined) v.creqSha256 = creqSha256;
  return v;
}

function query(name: string, lines: string[], body = ""): SuiteVector {
  return { name, form: "query", normalize: true, request: lines.join("\n") + "\n\n" + body };
}

const SIG_VANILLA = "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
const CREQ_VANILLA = "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
const SIG_POST_VANILLA = "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b";
const CREQ_POST_VANILLA = "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87";
const UNRESERVED = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export const SUITE_VECTORS: SuiteVector[] = [
  header("get-vanilla", ["GET / HTTP/1.1", HOST, DATE, AUTH + SIG_VANILLA], CREQ_VANILLA),
  header("get-vanilla-query", ["GET / HTTP/1.1", HOST, DATE, AUTH + SIG_VANILLA], CREQ_VANILLA),
  header(
    "get-header-key-duplicate",
    ["GET / HTTP/1.1", HOST, "My-Header1:value2", "My-Header1:value2", "My-Header1:value1", DATE,
      AUTH + "SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"],
    "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
  ),
  header(
    "get-header-value-order",
    ["GET / HTTP/1.1", HOST, "My-Header1:value4", "My-Header1:value1", "My-Header1:value3", "My-Header1:value2", DATE,
      AUTH + "SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"],
    "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
  ),
  header(
    "get-header-value-trim",
    ["GET / HTTP/1.1", HOST, "My-Header1: value1", 'My-Header2: "a   b   c"', DATE,
      AUTH + "SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"],
    "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
  ),
  header("get-header-value-multiline", [
    "GET / HTTP/1.1", HOST, "My-Header1:value1", "  value2", "     value3", DATE,
    AUTH + "SignedHeaders=host;my-header1;x-amz-date, Signature=ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790",
  ]),
  header(
    "get-unreserved",
    [`GET /${UNRESERVED} HTTP/1.1`, HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"],
    "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
  ),
  header("get-utf8", [
    "GET /\u1234 HTTP/1.1", HOST, DATE,
    AUTH + "SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
  ]),
  header(
    "get-space",
    ["GET /example space/ HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"],
    "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
  ),
  header(
    "get-vanilla-empty-query-key",
    ["GET /?Param1=value1 HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"],
    "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
  ),
  header(
    "get-vanilla-query-order-key",
    ["GET /?Param1=value2&Param1=Value1 HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"],
    "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
  ),
  header(
    "get-vanilla-query-order-key-case",
    ["GET /?Param2=value2&Param1=value1 HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"],
    "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
  ),
  header(
    "get-vanilla-query-order-value",
    ["GET /?Param1=value2&Param1=value1 HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"],
    "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
  ),
  header("get-vanilla-query-order-encoded", [
    "GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1", HOST,
    AUTH + "SignedHeaders=host;x-amz-date, Signature=371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac", DATE,
  ]),
  header(
    "get-vanilla-query-unreserved",
    [`GET /?${UNRESERVED}=${UNRESERVED} HTTP/1.1`, HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"],
    "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
  ),
  header(
    "get-vanilla-utf8-query",
    ["GET /?\u1234=bar HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"],
    "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
  ),
  header("get-vanilla-with-session-token", [
    "GET / HTTP/1.1", HOST,
    AUTH + "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    DATE, "X-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
  ]),
  // normalize-path group
  header("get-relative", ["GET /example/.. HTTP/1.1", HOST, DATE, AUTH + SIG_VANILLA], CREQ_VANILLA),
  header("get-relative-relative", ["GET /example1/example2/../.. HTTP/1.1", HOST, DATE, AUTH + SIG_VANILLA], CREQ_VANILLA),
  header("get-slash", ["GET // HTTP/1.1", HOST, DATE, AUTH + SIG_VANILLA], CREQ_VANILLA),
  header("get-slash-dot-slash", ["GET /./ HTTP/1.1", HOST, DATE, AUTH + SIG_VANILLA], CREQ_VANILLA),
  header(
    "get-slash-pointless-dot",
    ["GET /./example HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"],
    "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
  ),
  header(
    "get-slashes",
    ["GET //example// HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"],
    "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
  ),
  header("get-relative-unnormalized", [
    "GET /example/.. HTTP/1.1", HOST,
    AUTH + "SignedHeaders=host;x-amz-date, Signature=eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282", DATE,
  ], undefined, false),
  header("get-slashes-unnormalized", [
    "GET //example// HTTP/1.1", HOST,
    AUTH + "SignedHeaders=host;x-amz-date, Signature=87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5", DATE,
  ], undefined, false),
  header("get-space-unnormalized", [
    "GET /example space/ HTTP/1.1", HOST,
    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    AUTH + "SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741", DATE,
  ], undefined, false),
  // POST group
  header("post-vanilla", ["POST / HTTP/1.1", HOST, DATE, AUTH + SIG_POST_VANILLA], CREQ_POST_VANILLA),
  header("post-header-key-case", ["POST / HTTP/1.1", HOST, DATE, AUTH + SIG_POST_VANILLA], CREQ_POST_VANILLA),
  header(
    "post-header-key-sort",
    ["POST / HTTP/1.1", HOST, "My-Header1:value1", DATE,
      AUTH + "SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"],
    "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
  ),
  header(
    "post-header-value-case",
    ["POST / HTTP/1.1", HOST, "My-Header1:VALUE1", DATE,
      AUTH + "SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"],
    "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
  ),
  header(
    "post-vanilla-query",
    ["POST /?Param1=value1 HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"],
    "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
  ),
  header(
    "post-vanilla-empty-query-value",
    ["POST /?Param1=value1 HTTP/1.1", HOST, DATE,
      AUTH + "SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"],
    "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
  ),
  headerWithBody("post-x-www-form-urlencoded", [
    "POST / HTTP/1.1", "Content-Type:application/x-www-form-urlencoded", HOST, "Content-Length:13",
    "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    AUTH + "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    DATE,
  ], "Param1=value1"),
  // The 2015 edition of the same vector: no x-amz-content-sha256, content-length not signed.
  headerWithBody("post-x-www-form-urlencoded (2015)", [
    "POST / HTTP/1.1", "Content-Type:application/x-www-form-urlencoded", HOST, DATE, "Content-Length:13",
    AUTH + "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  ], "Param1=value1"),
  header("post-sts-header-after", [
    "POST / HTTP/1.1", HOST, DATE, `X-Amz-Security-Token:${STS_TOKEN}`, AUTH + SIG_POST_VANILLA,
  ], CREQ_POST_VANILLA),
  header(
    "post-sts-header-before",
    ["POST / HTTP/1.1", HOST, DATE, `X-Amz-Security-Token:${STS_TOKEN}`,
      AUTH + "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"],
    "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
  ),
  // Query (presigned) form, X-Amz-Expires=3600.
  query("get-unreserved (query)", [
    `GET /${UNRESERVED}?${QAUTH}&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=95968482db1b9e0fadef6efc1bd24689f77c77d9ef56919c96a28cc92e0d6005 HTTP/1.1`,
    HOST, DATE,
  ]),
  query("get-vanilla-query-order-key-case (query)", [
    `GET /?Param2=value2&Param1=value1&${QAUTH}&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5 HTTP/1.1`,
    HOST, DATE,
  ]),
  query("get-vanilla-query-order-encoded (query)", [
    `GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1&${QAUTH}&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=c5f1848ceec943ac2ca68ee720460c23aaae30a2300586597ada94c4a65e4787 HTTP/1.1`,
    HOST, DATE,
  ]),
  query("get-vanilla-utf8-query (query)", [
    `GET /?\u1234=bar&${QAUTH}&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600 HTTP/1.1`,
    HOST, DATE,
  ]),
  query("get-utf8 (query)", [
    `GET /\u1234?${QAUTH}&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44 HTTP/1.1`,
    HOST, DATE,
  ]),
  query("get-space-normalized (query)", [
    `GET /example space/?${QAUTH}&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6 HTTP/1.1`,
    HOST, DATE,
  ]),
  query("get-slashes-normalized (query)", [
    `GET //example//?${QAUTH}&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=c1834e8fb0307243711f0f907f6ab7311ed300d87f13792d7ee4da89ab93e082 HTTP/1.1`,
    HOST, DATE,
  ]),
  query("get-header-key-duplicate (query)", [
    `GET /?${QAUTH}&X-Amz-SignedHeaders=host%3Bmy-header1&X-Amz-Expires=3600&X-Amz-Signature=3349ee0b81b4b589da0ff28a395c3591e04de515651dd74f298fa992d1507a97 HTTP/1.1`,
    HOST, "My-Header1:value2", "My-Header1:value2", "My-Header1:value1", DATE,
  ]),
  query("get-header-value-trim (query)", [
    `GET /?${QAUTH}&X-Amz-SignedHeaders=host%3Bmy-header1%3Bmy-header2&X-Amz-Expires=3600&X-Amz-Signature=e7bb0fd515e125e1aec2ecc4c0c17484fb06f6846b927c35e46005dd3df3acd4 HTTP/1.1`,
    HOST, "My-Header1: value1", 'My-Header2: "a   b   c"', DATE,
  ]),
  query("post-sts-header-before (query)", [
    `POST /?${QAUTH}&X-Amz-SignedHeaders=host%3Bx-amz-security-token&X-Amz-Expires=3600&X-Amz-Signature=aca67b49ed321f377645504bccbd5a65f9085c536ff1961bc49c835d30827b16 HTTP/1.1`,
    HOST, `X-Amz-Security-Token:${STS_TOKEN}`, DATE,
  ]),
];
