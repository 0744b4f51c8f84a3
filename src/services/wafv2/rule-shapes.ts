/**
 * The WAFv2 model's constraints on everything inside a rule (and a web ACL's default action),
 * as one table of shapes walked recursively through And/Or/Not and scope-down statements.
 * Lengths, patterns, ranges and enum values of the model are collected as Coral violations
 * ("Value … at 'rules.1.member.statement.…' failed to satisfy constraint: …") and answered
 * together as one ValidationException; rules the service itself checks (text transformation
 * priorities that repeat, header names that repeat) are WAFInvalidParameterException and are
 * looked at only once the whole input satisfies the model, as Coral validates first.
 * Required members are the protocol's (src/protocol/validate.ts).
 */
import {
  CountryCode,
  TextTransformationType,
  type DefaultAction,
  type Rule,
} from "@aws-sdk/client-wafv2";
import { lowerFirst } from "../../protocol/schema-util.js";
import { invalidParameter, validations, violation } from "./errors.js";
import { ENTITY_NAME, METRIC_NAME, NOT_BLANK, enumProblem, rangeProblem, stringProblem } from "./input.js";

type Shape =
  | { kind: "string"; min: number; max: number; pattern?: RegExp; shown?: string }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "integer"; min: number; max?: number }
  | { kind: "list"; member: Shape; min?: number; max?: number; check?: SemanticCheck }
  | { kind: "structure"; members: () => Readonly<Record<string, Shape>>; check?: SemanticCheck };

/** A rule the service checks itself; runs after the model's constraints all hold. */
type SemanticCheck = (value: never, path: string) => void;

const str = (min: number, max: number, pattern?: RegExp, shown?: string): Shape => ({ kind: "string", min, max, ...(pattern ? { pattern } : {}), ...(shown ? { shown } : {}) });
const oneOf = (...values: string[]): Shape => ({ kind: "enum", values });
const int = (min: number, max?: number): Shape => ({ kind: "integer", min, ...(max !== undefined ? { max } : {}) });
const list = (member: Shape, min?: number, max?: number, check?: SemanticCheck): Shape => ({
  kind: "list", member, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(check ? { check } : {}),
});
const struct = (members: () => Readonly<Record<string, Shape>>, check?: SemanticCheck): Shape => ({ kind: "structure", members, ...(check ? { check } : {}) });
const EMPTY = struct(() => ({}));

/** A model pattern, matched as Coral does (the whole value), shown as the model writes it. */
function modelPattern(source: string): { pattern: RegExp; shown: string } {
  return { pattern: new RegExp(`^(?:${source})$`, "u"), shown: source };
}

/** The model's order first (Coral lists the enum in it), then values only the SDK knows. */
function modelOrder(order: string, sdk: Record<string, string>): string[] {
  const out = order.split(/\s+/).filter(Boolean);
  for (const v of Object.values(sdk)) if (!out.includes(v)) out.push(v);
  return out;
}

// Enums, in the order of the service model.
const OVERSIZE_HANDLING = oneOf("CONTINUE", "MATCH", "NO_MATCH");
const FALLBACK_BEHAVIOR = oneOf("MATCH", "NO_MATCH");
const MAP_MATCH_SCOPE = oneOf("ALL", "KEY", "VALUE");
const JSON_MATCH_SCOPE = oneOf("ALL", "KEY", "VALUE");
const BODY_PARSING_FALLBACK = oneOf("MATCH", "NO_MATCH", "EVALUATE_AS_STRING");
const POSITIONAL_CONSTRAINT = oneOf("EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD");
const COMPARISON_OPERATOR = oneOf("EQ", "NE", "LE", "LT", "GE", "GT");
const SENSITIVITY_LEVEL = oneOf("LOW", "HIGH");
const LABEL_MATCH_SCOPE = oneOf("LABEL", "NAMESPACE");
const FORWARDED_IP_POSITION = oneOf("FIRST", "LAST", "ANY");
const AGGREGATE_KEY_TYPE = oneOf("IP", "FORWARDED_IP", "CUSTOM_KEYS", "CONSTANT");
const PAYLOAD_TYPE = oneOf("JSON", "FORM_ENCODED");
const INSPECTION_LEVEL = oneOf("COMMON", "TARGETED");
const TEXT_TRANSFORMATION_TYPE: Shape = {
  kind: "enum",
  values: modelOrder(
    `NONE COMPRESS_WHITE_SPACE HTML_ENTITY_DECODE LOWERCASE CMD_LINE URL_DECODE BASE64_DECODE HEX_DECODE MD5 REPLACE_COMMENTS
     ESCAPE_SEQ_DECODE SQL_HEX_DECODE CSS_DECODE JS_DECODE NORMALIZE_PATH NORMALIZE_PATH_WIN REMOVE_NULLS REPLACE_NULLS
     BASE64_DECODE_EXT URL_DECODE_UNI UTF8_TO_UNICODE UPPERCASE TRIM TRIM_LEFT TRIM_RIGHT REMOVE_WHITESPACE REMOVE_COMMENTS_CHAR
     CMD_LINE_WIN CMD_LINE_UNIX JS_DECODE_EXT SHA256`,
    TextTransformationType,
  ),
};
const COUNTRY_CODE: Shape = {
  kind: "enum",
  values: modelOrder(
    `AF AX AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BQ BA BW BV BR IO BN BG BF BI KH CM CA CV
     KY CF TD CL CN CX CC CO KM CG CD CK CR CI HR CU CW CY CZ DK DJ DM DO EC EG SV GQ ER EE ET FK FO FJ FI FR GF PF TF GA GM GE
     DE GH GI GR GL GD GP GU GT GG GN GW GY HT HM VA HN HK HU IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ KE KI KP KR KW KG LA LV
     LB LS LR LY LI LT LU MO MK MG MW MY MV ML MT MH MQ MR MU YT MX FM MD MC MN ME MS MA MZ MM NA NR NP NL NC NZ NI NE NG NU NF
     MP NO OM PK PW PS PA PG PY PE PH PN PL PT PR QA RE RO RU RW BL SH KN LC MF PM VC WS SM ST SA SN RS SC SL SG SX SK SI SB SO
     ZA GS SS ES LK SD SR SJ SZ SE CH SY TW TJ TZ TH TL TG TK TO TT TN TR TM TC TV UG UA AE GB US UM UY UZ VU VE VN VG VI WF EH
     YE ZM ZW XK`,
    CountryCode,
  ),
};

// Strings and numbers of the model.
const ENTITY = str(1, 128, ENTITY_NAME);
const RESOURCE_ARN = str(20, 2048, NOT_BLANK);
const FIELD_TO_MATCH_DATA = str(1, 64, NOT_BLANK);
const SINGLE_COOKIE_NAME = str(1, 60, NOT_BLANK);
const LABEL = str(1, 1024, /^[0-9A-Za-z_\-:]+$/);
const LABEL_NAMESPACE = str(1, 1024, /^[0-9A-Za-z_\-:]+:$/);
const JSON_POINTER = modelPattern("([/])|([/](([^~])|(~[01]))+)");
const JSON_POINTER_PATH = str(1, 512, JSON_POINTER.pattern, JSON_POINTER.shown);
const FORWARDED_IP_HEADER = str(1, 255, /^[a-zA-Z0-9-]+$/);
const CUSTOM_HEADER_NAME = str(1, 64, /^[a-zA-Z0-9._$-]+$/);
// ".*": Coral's "." stops at line terminators, so a value cannot break the header it is sent in.
const CUSTOM_HEADER_VALUE_PATTERN = modelPattern(".*");
const CUSTOM_HEADER_VALUE = str(1, 255, CUSTOM_HEADER_VALUE_PATTERN.pattern, CUSTOM_HEADER_VALUE_PATTERN.shown);
const VERSION_KEY = str(1, 64, /^[\w#:.\-/]+$/, "^[\\w#:\\.\\-/]+$");
const PATH_STRING = str(1, 256, NOT_BLANK);
const FIELD_IDENTIFIER = str(1, 512, NOT_BLANK);
const SUCCESS_VALUE = str(1, 100, NOT_BLANK);
const SUCCESS_CODE = int(0, 999);
const TIME_WINDOW_SECOND = int(60, 259_200);

// Rules the service checks itself.
function uniquePriorities(tts: ReadonlyArray<{ Priority?: number }>): void {
  const seen = new Set<number>();
  for (const t of tts) {
    if (t.Priority === undefined) continue;
    if (seen.has(t.Priority)) throw invalidParameter("TEXT_TRANSFORMATION", String(t.Priority), "The text transformation priorities within a statement must all be different.");
    seen.add(t.Priority);
  }
}

function uniqueHeaders(field: string): SemanticCheck {
  return ((headers: ReadonlyArray<{ Name?: string }>) => {
    const seen = new Set<string>();
    for (const h of headers) {
      const name = (h.Name ?? "").toLowerCase();
      if (seen.has(name)) throw invalidParameter(field, h.Name ?? "", "Duplicate header names aren't allowed.");
      seen.add(name);
    }
  }) as SemanticCheck;
}

/**
 * The model sets no upper bound on a statement's TextTransformations, the service's quotas do:
 * 10 per statement (AWS WAF quotas). Past it the service refuses the statement; the error is
 * inferred (a parameter of the TEXT_TRANSFORMATION field), as for repeated priorities.
 */
const MAX_TEXT_TRANSFORMATIONS = 10;

function textTransformations(tts: ReadonlyArray<{ Priority?: number }>): void {
  if (tts.length > MAX_TEXT_TRANSFORMATIONS) throw invalidParameter("TEXT_TRANSFORMATION", String(tts.length), `A statement can have at most ${MAX_TEXT_TRANSFORMATIONS} text transformations.`);
  uniquePriorities(tts);
}

/**
 * The model leaves SearchString's length open; the API reference caps it at 200 bytes. An empty
 * one is refused too (inferred: it would match every request, and the console cannot save it).
 */
const MAX_SEARCH_STRING_BYTES = 200;

function searchString(st: { SearchString?: Uint8Array; PositionalConstraint?: string }): void {
  const n = st.SearchString?.length ?? 0;
  if (n < 1 || n > MAX_SEARCH_STRING_BYTES) throw invalidParameter("BYTE_MATCH_STATEMENT", String(n), `The search string must be between 1 and ${MAX_SEARCH_STRING_BYTES} bytes long.`);
  // API reference, PositionalConstraint: with CONTAINS_WORD, "SearchString must contain only
  // alphanumeric characters or underscore (A-Z, a-z, 0-9, or _)".
  if (st.PositionalConstraint === "CONTAINS_WORD" && st.SearchString && !st.SearchString.every(isWordByte)) {
    throw invalidParameter("BYTE_MATCH_STATEMENT", Buffer.from(st.SearchString).toString("latin1"), "With CONTAINS_WORD, the search string must contain only alphanumeric characters or underscore (A-Z, a-z, 0-9, or _).");
  }
}

function isWordByte(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Rule labels (waf-rule-label-requirements): optional namespaces and a name separated by
 * colons, each component up to 128 characters, at most five namespaces, none empty, and none
 * of the strings AWS WAF reserves.
 */
const RESERVED_LABEL_COMPONENTS = new Set(["awswaf", "aws", "waf", "rulegroup", "webacl", "regexpatternset", "ipset", "managed"]);
const MAX_LABEL_COMPONENT = 128;
const MAX_LABEL_NAMESPACES = 5;

function ruleLabel(label: { Name?: string }): void {
  const name = label.Name;
  if (name === undefined) return;
  const parts = name.split(":");
  const problem =
    parts.length > MAX_LABEL_NAMESPACES + 1 ? `A label can have at most ${MAX_LABEL_NAMESPACES} namespaces.`
    : parts.some((c) => c === "") ? "A label's namespaces and name can't be empty."
    : parts.some((c) => c.length > MAX_LABEL_COMPONENT) ? `A label's namespaces and name can have at most ${MAX_LABEL_COMPONENT} characters each.`
    : parts.some((c) => RESERVED_LABEL_COMPONENTS.has(c)) ? "A label can't use the reserved strings awswaf, aws, waf, rulegroup, webacl, regexpatternset, ipset or managed as a namespace or name."
    : undefined;
  if (problem) throw invalidParameter("RULE", name, problem);
}

/** Headers and Cookies MatchPattern: exactly one of All, Included…, Excluded…. */
function oneMatchPattern(field: string): SemanticCheck {
  return ((pattern: Record<string, unknown>) => {
    const set = Object.keys(pattern).filter((k) => pattern[k] !== undefined && pattern[k] !== null);
    if (set.length !== 1) throw invalidParameter(field, set.join(",") || "MatchPattern", "You have used none or multiple values for a field that requires exactly one value.");
  }) as SemanticCheck;
}

/**
 * CUSTOM_KEYS: IP and ForwardedIP need at least one other key (aggregating on the address
 * alone is AggregateKeyType IP or FORWARDED_IP).
 */
function customKeys(st: { AggregateKeyType?: string; CustomKeys?: ReadonlyArray<Record<string, unknown>> }): void {
  const keys = st.CustomKeys;
  // Each RateBasedStatementCustomKey "specifies a single custom aggregate key": exactly one member.
  for (const key of keys ?? []) {
    const set = Object.keys(key).filter((k) => key[k] !== undefined && key[k] !== null);
    if (set.length !== 1) throw invalidParameter("CUSTOM_KEYS", set.join(",") || "CustomKey", "You have used none or multiple values for a field that requires exactly one value.");
  }
  if (st.AggregateKeyType !== "CUSTOM_KEYS" || !keys || keys.length !== 1) return;
  const only = keys[0] as Record<string, unknown>;
  const ipKey = only.IP !== undefined && only.IP !== null ? "IP" : only.ForwardedIP !== undefined && only.ForwardedIP !== null ? "ForwardedIP" : undefined;
  if (ipKey) throw invalidParameter("CUSTOM_KEYS", ipKey, "When you specify an IP or forwarded IP custom key, you must also specify at least one other key.");
}

const TEXT_TRANSFORMATIONS = list(
  struct(() => ({ Priority: int(0), Type: TEXT_TRANSFORMATION_TYPE })),
  1,
  undefined,
  textTransformations as SemanticCheck,
);
const PRE_PARSE_TEXT_TRANSFORMATIONS = list(struct(() => ({ Priority: int(0), Type: oneOf("NONE", "URL_DECODE", "URL_DECODE_UNI", "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA", "REPLACE_SEMICOLONS_WITH_AMPERSANDS") })), 1, 10, uniquePriorities as SemanticCheck);

const FORWARDED_IP_CONFIG = struct(() => ({ HeaderName: FORWARDED_IP_HEADER, FallbackBehavior: FALLBACK_BEHAVIOR }));
const IP_SET_FORWARDED_IP_CONFIG = struct(() => ({ HeaderName: FORWARDED_IP_HEADER, FallbackBehavior: FALLBACK_BEHAVIOR, Position: FORWARDED_IP_POSITION }));

const FIELD_TO_MATCH = struct(() => ({
  SingleHeader: struct(() => ({ Name: FIELD_TO_MATCH_DATA })),
  SingleQueryArgument: struct(() => ({ Name: FIELD_TO_MATCH_DATA })),
  AllQueryArguments: EMPTY,
  UriPath: EMPTY,
  QueryString: EMPTY,
  Body: struct(() => ({ OversizeHandling: OVERSIZE_HANDLING })),
  Method: EMPTY,
  JsonBody: struct(() => ({
    // "You must specify either this setting or the IncludedPaths setting, but not both."
    MatchPattern: struct(() => ({ All: EMPTY, IncludedPaths: list(JSON_POINTER_PATH, 1) }), oneMatchPattern("JSON_MATCH_PATTERN")),
    MatchScope: JSON_MATCH_SCOPE,
    InvalidFallbackBehavior: BODY_PARSING_FALLBACK,
    OversizeHandling: OVERSIZE_HANDLING,
  })),
  Headers: struct(() => ({
    MatchPattern: struct(() => ({ All: EMPTY, IncludedHeaders: list(FIELD_TO_MATCH_DATA, 1, 199), ExcludedHeaders: list(FIELD_TO_MATCH_DATA, 1, 199) }), oneMatchPattern("HEADER_MATCH_PATTERN")),
    MatchScope: MAP_MATCH_SCOPE,
    OversizeHandling: OVERSIZE_HANDLING,
  })),
  Cookies: struct(() => ({
    MatchPattern: struct(() => ({ All: EMPTY, IncludedCookies: list(SINGLE_COOKIE_NAME, 1, 199), ExcludedCookies: list(SINGLE_COOKIE_NAME, 1, 199) }), oneMatchPattern("COOKIE_MATCH_PATTERN")),
    MatchScope: MAP_MATCH_SCOPE,
    OversizeHandling: OVERSIZE_HANDLING,
  })),
  HeaderOrder: struct(() => ({ OversizeHandling: OVERSIZE_HANDLING })),
  JA3Fingerprint: struct(() => ({ FallbackBehavior: FALLBACK_BEHAVIOR })),
  JA4Fingerprint: struct(() => ({ FallbackBehavior: FALLBACK_BEHAVIOR })),
  UriFragment: struct(() => ({ FallbackBehavior: FALLBACK_BEHAVIOR })),
}));

/** The members every field-inspecting statement shares. */
const INSPECTION = { FieldToMatch: FIELD_TO_MATCH, TextTransformations: TEXT_TRANSFORMATIONS, PreParseTextTransformations: PRE_PARSE_TEXT_TRANSFORMATIONS };

/**
 * Pre-parse text transformations normalise the raw query string before it is parsed into
 * arguments: they are only supported when FieldToMatch is SingleQueryArgument or AllQueryArguments.
 */
function preParseField(st: { FieldToMatch?: Record<string, unknown>; PreParseTextTransformations?: unknown[] }): void {
  if (!st.PreParseTextTransformations?.length) return;
  const f = st.FieldToMatch ?? {};
  if (f.SingleQueryArgument !== undefined || f.AllQueryArguments !== undefined) return;
  const kind = Object.keys(f).find((k) => f[k] !== undefined && f[k] !== null) ?? "";
  throw invalidParameter("PRE_PARSE_TEXT_TRANSFORMATION", kind, "Pre-parse text transformations are only supported when FieldToMatch is SingleQueryArgument or AllQueryArguments.");
}

/** A field-inspecting statement: INSPECTION's members plus its own, and their checks. */
const inspecting = (members: () => Readonly<Record<string, Shape>>, more?: SemanticCheck): Shape =>
  struct(() => ({ ...INSPECTION, ...members() }), ((st: never, path: string) => {
    preParseField(st);
    more?.(st, path);
  }) as SemanticCheck);

const CUSTOM_HTTP_HEADER = struct(() => ({ Name: CUSTOM_HEADER_NAME, Value: CUSTOM_HEADER_VALUE }));
const CUSTOM_REQUEST_HANDLING = struct(() => ({ InsertHeaders: list(CUSTOM_HTTP_HEADER, 1, undefined, uniqueHeaders("CUSTOM_REQUEST_HANDLING")) }));
const WITH_REQUEST_HANDLING = struct(() => ({ CustomRequestHandling: CUSTOM_REQUEST_HANDLING }));
const BLOCK_ACTION = struct(() => ({
  CustomResponse: struct(() => ({
    ResponseCode: int(200, 599),
    CustomResponseBodyKey: ENTITY,
    ResponseHeaders: list(CUSTOM_HTTP_HEADER, 1, undefined, uniqueHeaders("CUSTOM_RESPONSE")),
  })),
}));
const RULE_ACTION = struct(() => ({ Block: BLOCK_ACTION, Allow: WITH_REQUEST_HANDLING, Count: WITH_REQUEST_HANDLING, Captcha: WITH_REQUEST_HANDLING, Challenge: WITH_REQUEST_HANDLING }));
const DEFAULT_ACTION = struct(() => ({ Block: BLOCK_ACTION, Allow: WITH_REQUEST_HANDLING }));
const OVERRIDE_ACTION = struct(() => ({ Count: WITH_REQUEST_HANDLING, None: EMPTY }));
const EXCLUDED_RULES = list(struct(() => ({ Name: ENTITY })), undefined, 100);
const RULE_ACTION_OVERRIDES = list(struct(() => ({ Name: ENTITY, ActionToUse: RULE_ACTION })), undefined, 100);

const SUCCESS_VALUES = (max: number): Shape => list(SUCCESS_VALUE, 1, max);
const RESPONSE_INSPECTION = struct(() => ({
  StatusCode: struct(() => ({ SuccessCodes: list(SUCCESS_CODE, 1, 10), FailureCodes: list(SUCCESS_CODE, 1, 10) })),
  Header: struct(() => ({ Name: str(1, 200, NOT_BLANK), SuccessValues: SUCCESS_VALUES(3), FailureValues: SUCCESS_VALUES(3) })),
  BodyContains: struct(() => ({ SuccessStrings: SUCCESS_VALUES(5), FailureStrings: SUCCESS_VALUES(5) })),
  Json: struct(() => ({ Identifier: FIELD_IDENTIFIER, SuccessValues: SUCCESS_VALUES(5), FailureValues: SUCCESS_VALUES(5) })),
}));
const FIELD = struct(() => ({ Identifier: FIELD_IDENTIFIER }));
const MANAGED_RULE_GROUP_CONFIG = struct(() => ({
  LoginPath: PATH_STRING,
  PayloadType: PAYLOAD_TYPE,
  UsernameField: FIELD,
  PasswordField: FIELD,
  AWSManagedRulesBotControlRuleSet: struct(() => ({ InspectionLevel: INSPECTION_LEVEL })),
  AWSManagedRulesATPRuleSet: struct(() => ({
    RequestInspection: struct(() => ({ PayloadType: PAYLOAD_TYPE, UsernameField: FIELD, PasswordField: FIELD })),
    ResponseInspection: RESPONSE_INSPECTION,
  })),
  AWSManagedRulesACFPRuleSet: struct(() => ({
    CreationPath: PATH_STRING,
    RegistrationPagePath: PATH_STRING,
    RequestInspection: struct(() => ({
      PayloadType: PAYLOAD_TYPE,
      UsernameField: FIELD,
      PasswordField: FIELD,
      EmailField: FIELD,
      PhoneNumberFields: list(FIELD),
      AddressFields: list(FIELD),
    })),
    ResponseInspection: RESPONSE_INSPECTION,
  })),
}));

const RATE_LIMIT_KEY_WITH_NAME = (name: Shape): Shape => struct(() => ({ Name: name, TextTransformations: TEXT_TRANSFORMATIONS }));
const RATE_LIMIT_TRANSFORMED = struct(() => ({ TextTransformations: TEXT_TRANSFORMATIONS }));
const CUSTOM_KEY = struct(() => ({
  Header: RATE_LIMIT_KEY_WITH_NAME(FIELD_TO_MATCH_DATA),
  Cookie: RATE_LIMIT_KEY_WITH_NAME(FIELD_TO_MATCH_DATA),
  QueryArgument: RATE_LIMIT_KEY_WITH_NAME(FIELD_TO_MATCH_DATA),
  QueryString: RATE_LIMIT_TRANSFORMED,
  HTTPMethod: EMPTY,
  ForwardedIP: EMPTY,
  IP: EMPTY,
  LabelNamespace: struct(() => ({ Namespace: LABEL_NAMESPACE })),
  UriPath: RATE_LIMIT_TRANSFORMED,
  JA3Fingerprint: struct(() => ({ FallbackBehavior: FALLBACK_BEHAVIOR })),
  JA4Fingerprint: struct(() => ({ FallbackBehavior: FALLBACK_BEHAVIOR })),
  ASN: EMPTY,
}));

const STATEMENT: Shape = struct(() => ({
  ByteMatchStatement: inspecting(() => ({ PositionalConstraint: POSITIONAL_CONSTRAINT }), searchString as SemanticCheck),
  SqliMatchStatement: inspecting(() => ({ SensitivityLevel: SENSITIVITY_LEVEL })),
  XssMatchStatement: inspecting(() => ({})),
  SizeConstraintStatement: inspecting(() => ({ ComparisonOperator: COMPARISON_OPERATOR, Size: int(0, 21_474_836_480) })),
  GeoMatchStatement: struct(() => ({ CountryCodes: list(COUNTRY_CODE, 1), ForwardedIPConfig: FORWARDED_IP_CONFIG })),
  RuleGroupReferenceStatement: struct(() => ({ ARN: RESOURCE_ARN, ExcludedRules: EXCLUDED_RULES, RuleActionOverrides: RULE_ACTION_OVERRIDES })),
  IPSetReferenceStatement: struct(() => ({ ARN: RESOURCE_ARN, IPSetForwardedIPConfig: IP_SET_FORWARDED_IP_CONFIG })),
  RegexPatternSetReferenceStatement: inspecting(() => ({ ARN: RESOURCE_ARN })),
  RateBasedStatement: struct(() => ({
    Limit: int(10, 2_000_000_000),
    AggregateKeyType: AGGREGATE_KEY_TYPE,
    ScopeDownStatement: STATEMENT,
    ForwardedIPConfig: FORWARDED_IP_CONFIG,
    CustomKeys: list(CUSTOM_KEY, undefined, 5),
  }), customKeys as SemanticCheck),
  AndStatement: struct(() => ({ Statements: list(STATEMENT) })),
  OrStatement: struct(() => ({ Statements: list(STATEMENT) })),
  NotStatement: struct(() => ({ Statement: STATEMENT })),
  ManagedRuleGroupStatement: struct(() => ({
    VendorName: str(1, 128, NOT_BLANK),
    Name: ENTITY,
    Version: VERSION_KEY,
    ExcludedRules: EXCLUDED_RULES,
    ScopeDownStatement: STATEMENT,
    ManagedRuleGroupConfigs: list(MANAGED_RULE_GROUP_CONFIG),
    RuleActionOverrides: RULE_ACTION_OVERRIDES,
  })),
  LabelMatchStatement: struct(() => ({ Scope: LABEL_MATCH_SCOPE, Key: LABEL })),
  RegexMatchStatement: inspecting(() => ({ RegexString: str(1, 512) })),
  AsnMatchStatement: struct(() => ({ AsnList: list(int(0, 4_294_967_295), 1, 100), ForwardedIPConfig: FORWARDED_IP_CONFIG })),
}));

const RULE = struct(() => ({
  Name: ENTITY,
  Priority: int(0),
  Statement: STATEMENT,
  Action: RULE_ACTION,
  OverrideAction: OVERRIDE_ACTION,
  RuleLabels: list(struct(() => ({ Name: LABEL }), ruleLabel as SemanticCheck)),
  VisibilityConfig: struct(() => ({ MetricName: str(1, 255, METRIC_NAME) })),
  CaptchaConfig: struct(() => ({ ImmunityTimeProperty: struct(() => ({ ImmunityTime: TIME_WINDOW_SECOND })) })),
  // The challenge minimum (300 seconds) is the service's, answered like the model's range.
  ChallengeConfig: struct(() => ({ ImmunityTimeProperty: struct(() => ({ ImmunityTime: int(300, 259_200) })) })),
}));

/** The constraints a simple shape puts on each list member, as Coral lists them. */
function memberConstraints(s: Shape): string {
  const parts: string[] = [];
  if (s.kind === "string") {
    parts.push(`Member must have length less than or equal to ${s.max}`, `Member must have length greater than or equal to ${s.min}`);
    if (s.pattern) parts.push(`Member must satisfy regular expression pattern: ${s.shown ?? s.pattern.source}`);
  } else if (s.kind === "enum") {
    parts.push(`Member must satisfy enum value set: [${s.values.join(", ")}]`);
  } else if (s.kind === "integer") {
    if (s.max !== undefined) parts.push(`Member must have value less than or equal to ${s.max}`);
    parts.push(`Member must have value greater than or equal to ${s.min}`);
  }
  parts.push("Member must not be null");
  return `Member must satisfy constraint: [${parts.join(", ")}]`;
}

/** The model constraint a simple value breaks, or undefined (values of another type are the protocol's). */
function simpleProblem(s: Shape, v: unknown): string | undefined {
  if (s.kind === "string" && typeof v === "string") return stringProblem(v, s.min, s.max, s.pattern, s.shown);
  if (s.kind === "enum" && typeof v === "string") return enumProblem(v, s.values);
  if (s.kind === "integer" && typeof v === "number") return rangeProblem(v, s.min, s.max);
  return undefined;
}

interface Walk {
  violations: string[];
  semantic: Array<() => void>;
}

function walk(s: Shape, v: unknown, path: string, w: Walk): void {
  if (v === undefined || v === null) return;
  if (s.kind === "list") {
    if (!Array.isArray(v)) return;
    if (s.min !== undefined && v.length < s.min) w.violations.push(violation(path, v, `Member must have length greater than or equal to ${s.min}`));
    if (s.max !== undefined && v.length > s.max) w.violations.push(violation(path, v, `Member must have length less than or equal to ${s.max}`));
    if (s.member.kind === "list" || s.member.kind === "structure") {
      v.forEach((item, i) => walk(s.member, item, `${path}.${i + 1}.member`, w));
    } else if (v.some((item) => simpleProblem(s.member, item) !== undefined)) {
      w.violations.push(violation(path, v, memberConstraints(s.member)));
    }
    const check = s.check;
    if (check) w.semantic.push(() => check(v as never, path));
    return;
  }
  if (s.kind === "structure") {
    if (typeof v !== "object" || Array.isArray(v)) return;
    const record = v as Record<string, unknown>;
    for (const [name, member] of Object.entries(s.members())) {
      if (Object.hasOwn(record, name)) walk(member, record[name], `${path}.${lowerFirst(name)}`, w);
    }
    const check = s.check;
    if (check) w.semantic.push(() => check(v as never, path));
    return;
  }
  const problem = simpleProblem(s, v);
  if (problem) w.violations.push(violation(path, v, problem));
}

function check(s: Shape, v: unknown, path: string): void {
  const w: Walk = { violations: [], semantic: [] };
  walk(s, v, path, w);
  if (w.violations.length > 0) throw validations(w.violations);
  for (const c of w.semantic) c();
}

/**
 * Checks every member of every rule against the model (ValidationException, all violations
 * at once, paths such as `rules.2.member.statement.andStatement.statements.1.member.…`), then
 * the nested rules the service checks itself (WAFInvalidParameterException).
 */
export function checkRuleShapes(rules: readonly Rule[]): void {
  check(list(RULE), rules, "rules");
}

export function checkDefaultActionShape(action: DefaultAction | undefined): void {
  check(DEFAULT_ACTION, action, "defaultAction");
}
