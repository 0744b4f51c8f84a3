/**
 * Application rule groups:
 *  - AWSManagedRulesPHPRuleSet (awswaf:managed:aws:php-app:): PHP code injection — opening
 *    tags, superglobals, high-risk functions, variable functions, object injection, stream
 *    wrappers, uploads of PHP files.
 *  - AWSManagedRulesAdminProtectionRuleSet (awswaf:managed:aws:admin-protection:): requests
 *    for administrative paths.
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import type { RequestView } from "../request-view.js";
import { F, regex, or, rule } from "./build.js";
import { detectAt, native } from "./natives.js";
import { uploadNames } from "./inputs.js";
import { detectPhp } from "../detect/php.js";
import { normaliseFileName } from "../detect/upload.js";

/** A file name that PHP would run once uploaded. */
const phpUpload = (view: RequestView): boolean => uploadNames(view).some((n) => /\.(?:php\d*|phtml|pht|phpt|phar|phps|pgif|inc)$/i.test(normaliseFileName(n)));

export const PHP_RULES: Rule[] = [
  rule("PHPHighRiskMethodsVariables_HEADER", 0, or(detectAt("headers", "php", detectPhp), native(F.headerValues, "php-upload", phpUpload)), "PHPHighRiskMethodsVariables_Header"),
  rule("PHPHighRiskMethodsVariables_QUERYSTRING", 1, or(detectAt("query", "php", detectPhp), detectAt("path", "php", detectPhp)), "PHPHighRiskMethodsVariables_QueryString"),
  rule("PHPHighRiskMethodsVariables_BODY", 2, or(detectAt("body", "php", detectPhp), detectAt("cookies", "php", detectPhp)), "PHPHighRiskMethodsVariables_Body"),
];

const ADMIN = "(?i)^/(?:admin(?:istrator|istration)?|wp-admin|wp-login\\.php|phpmyadmin|pma|myadmin|adminer(?:\\.php)?|manager/html|cpanel|webadmin|siteadmin|admin\\.php|admin-console|console|_admin|backend|controlpanel|typo3|user/login|xmlrpc\\.php)(?:[/?.]|$)";
export const ADMIN_PROTECTION_RULES: Rule[] = [rule("AdminProtection_URIPATH", 0, regex(F.path, ADMIN, "URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"), "AdminProtection_URIPath")];
