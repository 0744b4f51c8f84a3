/**
 * AWSManagedRulesSQLiRuleSet (awswaf:managed:aws:sql-database:). The SQLi_* rules use the
 * SqliMatchStatement detector (sensitivity LOW); SQLiExtendedPatterns_* add patterns the
 * detector leaves alone: system catalogue names, time-delay and out-of-band functions,
 * stacked statements, MySQL comment tricks, NoSQL operators.
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { F, regex, sqli, or, rule, type T } from "./build.js";

export const SQLI_EXTENDED =
  "(?i)\\b(?:information_schema|pg_catalog|pg_shadow|pg_user|sysobjects|syscolumns|sysusers|sysdatabases|msysaccessobjects|msysobjects|msysqueries|sqlite_master|sqlite_temp_master|all_tables|user_tables|dba_users|mysql\\.(?:user|db|tables_priv)|master\\.\\.sysdatabases|tempdb|msdb)\\b" +
  "|\\b(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|xp_cmdshell|sp_oacreate|sp_executesql|sys_eval|sys_exec|dbms_pipe\\.receive_message|dbms_lock\\.sleep|utl_inaddr\\.get_host_address|utl_http\\.request|name_const|database|db_name|schema_name|current_user|session_user|system_user|current_database|@@version)\\s*\\(" +
  "|\\bwaitfor\\s+(?:delay|time)\\b|\\bexec(?:ute)?\\s+(?:immediate\\b|master\\.|xp_\\w+|sp_\\w+|\\(\\s*@)|\\bdeclare\\s+@\\w+|\\bprocedure\\s+analyse\\s*\\(" +
  "|\\binto\\s+(?:out|dump)file\\s*['\"`]|\\bunion\\b(?:\\s+(?:all|distinct))?\\s*(?:\\(\\s*)*select\\b|;\\s*(?:select|insert|update|delete|drop|create|alter|truncate|shutdown|declare|exec|execute)\\b" +
  "|\\bselect\\s+(?:\\*|[\\w.]+\\s*,|[\\w.]+\\s*\\(|@@?\\w|top\\s+\\d|distinct\\b|null\\b)[^;]{0,200}?\\bfrom\\b|\\bselect\\s+(?:load_file|char|chr|concat|group_concat|concat_ws|ascii|substring|hex|unhex|md5|count)\\s*\\(" +
  "|\\binsert\\s+into\\s+[\\w`\"\\[\\].]+\\s*(?:\\(|values\\b|select\\b)|\\bdelete\\s+from\\s+[\\w`\"\\[\\].]+\\s+where\\b|\\bdrop\\s+(?:table|database|schema|user|procedure|function)\\s+[\\w`\"\\[]|\\b(?:create|alter)\\s+table\\s+[\\w`\"\\[]" +
  "|[)`'\"]\\s*as\\s+[\\w`'\"]+\\s+from\\b|[`'\"]\\s*(?:regexp|rlike)\\s|/\\*!\\d{0,5}\\s*(?:select|union|from|where|and|or)\\b|\\)\\s*(?:like|rlike|regexp)\\s*\\(" +
  "|\\[\\s*\\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|or|and|nor|not|elemmatch|expr)\\s*\\]|\\{\\s*['\"]?\\$(?:ne|gt|where|regex|expr|function)['\"]?\\s*:" +
  "|['\"`]\\s*(?:--(?:[\\s-]|$|&)|#\\s*$|/\\*)|\\b(?:or|and)\\s+[\\w'\"]+\\s*(?:=|<>|!=|like)\\s*[\\w'\"]+\\s*(?:--|#|/\\*)|\\b\\d+\\s+(?:or|and)\\s+\\d+\\s*(?:=|<|>|<>|!=)\\s*\\d+";

const DEC: T[] = ["URL_DECODE", "HTML_ENTITY_DECODE"];

export const SQLI_RULE_SET_RULES: Rule[] = [
  rule("SQLi_QUERYARGUMENTS", 0, sqli(F.allArgs, ...DEC), "SQLi_QueryArguments"),
  rule("SQLiExtendedPatterns_QUERYARGUMENTS", 1, or(regex(F.allArgs, SQLI_EXTENDED, "URL_DECODE", "HTML_ENTITY_DECODE", "COMPRESS_WHITE_SPACE"), regex(F.queryString, SQLI_EXTENDED, "URL_DECODE", "URL_DECODE", "HTML_ENTITY_DECODE")), "SQLiExtendedPatterns_QueryArguments"),
  rule("SQLi_BODY", 2, sqli(F.body, ...DEC), "SQLi_Body"),
  rule("SQLiExtendedPatterns_BODY", 3, regex(F.body, SQLI_EXTENDED, "URL_DECODE", "URL_DECODE", "HTML_ENTITY_DECODE", "JS_DECODE"), "SQLiExtendedPatterns_Body"),
  rule("SQLi_COOKIE", 4, sqli(F.cookieValues, ...DEC), "SQLi_Cookie"),
  rule("SQLi_URIPATH", 5, sqli(F.path, "URL_DECODE"), "SQLi_URIPath"),
];
