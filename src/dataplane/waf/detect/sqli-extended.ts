/**
 * SQL injection patterns the structural detector (sqli.ts) leaves alone because they are
 * recognisable by name rather than by grammar: system catalogue names, time-delay and
 * out-of-band functions, stacked statements, MySQL comment and float tricks, and NoSQL
 * (MongoDB) query operators smuggled in as keys or bracketed parameter names.
 */

const EXTENDED = new RegExp(
  "(?<![\\w-])(?:information_schema|pg_catalog|pg_shadow|pg_user|sysobjects|syscolumns|sysusers|sysdatabases|msysaccessobjects|msysobjects|msysqueries|sqlite_master|sqlite_temp_master|all_tables|user_tables|dba_users|mysql\\.(?:user|db|tables_priv)|master\\.\\.sysdatabases|tempdb|msdb)\\b" +
  "|\\b(?:pg_sleep|load_file|extractvalue|updatexml|xp_cmdshell|sp_oacreate|sp_executesql|sys_eval|sys_exec|dbms_pipe\\.receive_message|dbms_lock\\.sleep|utl_inaddr\\.get_host_address|utl_http\\.request|name_const|db_name|schema_name|current_user|session_user|system_user|current_database|@@version)\\s*\\(" +
  // English words as functions: "sleep(5)", "database()"; "database (defined below)" is a parenthetical.
  "|\\b(?:sleep|benchmark|database)(?:\\(|\\s+\\((?!\\s*[a-z][a-z.]*[\\s,;:]+[a-z]))" +
  "|\\bwaitfor\\s+(?:delay|time)\\b|\\bexec(?:ute)?\\s+(?:immediate\\b|master\\.|xp_\\w+|sp_\\w+|\\(\\s*@)|\\bdeclare\\s+@\\w+|\\bprocedure\\s+analyse\\s*\\(" +
  "|\\binto\\s+(?:out|dump)file\\s*['\"`]|\\bunion\\b(?:\\s+(?:all|distinct))?\\s*(?:\\(\\s*)*select\\b|;\\s*(?:select|insert|update|delete|drop|create|alter|truncate|shutdown|declare|exec|execute)\\b(?!\\s+(?:the|a|an|this|that|these|those|your|my|our|their|his|her|its|it|them|each|every|any|some|which|what)\\b)" +
  "|\\bselect\\s+(?:\\*|[\\w.]+\\s*,|[\\w.]+\\s*\\(|@@?\\w|top\\s+\\d|distinct\\b|null\\b)[^;]{0,200}?\\bfrom\\b|\\bselect\\s+(?:load_file|char|chr|concat|group_concat|concat_ws|ascii|substring|hex|unhex|md5|count)\\s*\\(" +
  "|\\binsert\\s+into\\s+[\\w`\"\\[\\].]+\\s*(?:\\(|values\\b|select\\b)|\\bdelete\\s+from\\s+[\\w`\"\\[\\].]+\\s+where\\b|\\bdrop\\s+(?:table|database|schema|user|procedure|function)\\s+[\\w`\"\\[]|\\b(?:create|alter)\\s+table\\s+[\\w`\"\\[]" +
  "|[)`'\"]\\s*as\\s+[\\w`'\"]+\\s+from\\b|[`'\"]\\s*(?:regexp|rlike)\\s|/\\*!\\d{0,5}\\s*(?:select|union|from|where|and|or)\\b|\\)\\s*(?:like|rlike|regexp)\\s*\\(" +
  "|\\[\\s*\\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|or|and|nor|not|elemmatch|expr)\\s*\\]|\\{\\s*['\"]?\\$(?:ne|gt|where|regex|expr|function)['\"]?\\s*:" +
  "|['\"`]\\s*(?:--(?:\\s|$|&|-(?!-))|#\\s*$|/\\*(?!\\*[^/]))|\\b(?:or|and)\\s+[\\w'\"]+\\s*(?:=|<>|!=|like)\\s*[\\w'\"]+\\s*(?:--|#|/\\*)|\\b\\d+\\s+(?:or|and)\\s+\\d+\\s*(?:=|<|>|<>|!=)\\s*\\d+",
  "i",
);

/** MongoDB query operators: a JSON key or a bracketed parameter name that is an operator ({"$ne": …}, user[$gt]=). */
const MONGO_OPS = "ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|not|nor|or|and|elemmatch|expr|text|all|size|type|mod|jsonschema|function|accumulator|lookup|unionwith|merge|out";
const NOSQL = new RegExp(`^\\$(?:${MONGO_OPS})$|\\[\\s*\\$(?:${MONGO_OPS})\\s*\\]|\\{\\s*['"]?\\$(?:${MONGO_OPS})['"]?\\s*:`, "i");

/** MySQL reads "1.e(" and "1.e.tables" as a number glued to the next token: a filter-evasion trick. */
const FLOAT_TRICK = /\b\d+\.e(?:\(|\.[a-z_])/i;
/** A select-list fragment pasted into a query: 1234 AS "alias" FROM … */
const AS_FROM = /(?:\d|['"`)])\s*as\s+(?:[\w`]+|"[^"]*"|'[^']*')\s+from\b/i;

/** Cheap pre-check: a character or word some EXTENDED alternative needs. */
const HINT = /['"`;@\[{]|\/\*|\b(?:information_schema|pg_\w+|sys\w+|msys\w+|sqlite_\w+|all_tables|user_tables|dba_users|mysql|master|tempdb|msdb|sleep|benchmark|load_file|extractvalue|updatexml|xp_cmdshell|sp_\w+|dbms_\w+|utl_\w+|name_const|database|db_name|schema_name|current_\w+|session_user|system_user|waitfor|exec|execute|declare|procedure|into|union|select|insert|delete|drop|create|alter|as|or|and)\b|\)\s*(?:like|rlike|regexp)/i;

export function detectSqliExtended(s: string): boolean {
  return (HINT.test(s) && EXTENDED.test(s)) || (s.indexOf("$") >= 0 && NOSQL.test(s)) || (s.indexOf(".e") >= 0 && FLOAT_TRICK.test(s)) || AS_FROM.test(s);
}
