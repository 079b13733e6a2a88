// Runs our answers through Coral Talk's own response handling, taken from its source at run time:
// external.ts's ExternalModerationResponseSchema and validateResponse options, with real joi.
// Usage: node coral_validate.js PATH/TO/external.ts < answers.jsonl
// Each input line: {"status": HTTP status, "text": raw response body}; each output line says what Coral does.
"use strict";
const fs = require("fs");
const readline = require("readline");
const Joi = require("joi");

// Values of the GraphQL enums external.ts imports from Coral's generated types (coral-server's
// schema.graphql at 9.11.8); the schema below allows their keys.
const GQLCOMMENT_STATUS = { APPROVED: "APPROVED", NONE: "NONE", PREMOD: "PREMOD", REJECTED: "REJECTED",
  SYSTEM_WITHHELD: "SYSTEM_WITHHELD" };
const GQLREJECTION_REASON_CODE = { OFFENSIVE: "OFFENSIVE", ABUSIVE: "ABUSIVE", SPAM: "SPAM",
  BANNED_WORD: "BANNED_WORD", AD: "AD", ILLEGAL_CONTENT: "ILLEGAL_CONTENT",
  HARASSMENT_BULLYING: "HARASSMENT_BULLYING", MISINFORMATION: "MISINFORMATION", HATE_SPEECH: "HATE_SPEECH",
  IRRELEVANT_CONTENT: "IRRELEVANT_CONTENT", OTHER: "OTHER" };
const GQLTAG = { ADMIN: "ADMIN", EXPERT: "EXPERT", FEATURED: "FEATURED", MEMBER: "MEMBER", MODERATOR: "MODERATOR",
  QUESTION: "QUESTION", REVIEW: "REVIEW", STAFF: "STAFF", UNANSWERED: "UNANSWERED" };
const ACTION_TYPE = { FLAG: "FLAG" };
const GQLCOMMENT_FLAG_DETECTED_REASON = { COMMENT_DETECTED_TOXIC: "COMMENT_DETECTED_TOXIC",
  COMMENT_DETECTED_SPAM: "COMMENT_DETECTED_SPAM" };

const source = fs.readFileSync(process.argv[2], "utf8");
const schemaMatch = source.match(/const ExternalModerationResponseSchema = (Joi\.object\(\)[\s\S]*?\n\}\));/);
const optionsMatch = source.match(/ExternalModerationResponseSchema\.validate\(\s*body,\s*(\{[\s\S]*?\})\s*\)/);
if (!schemaMatch || !optionsMatch) {
  console.error("external.ts: ExternalModerationResponseSchema or its validate() options not found");
  process.exit(2);
}
const schema = eval(schemaMatch[1]);
const options = eval("(" + optionsMatch[1] + ")");

// processPhase() in external.ts, from the HTTP answer on.
function coralReads(status, text) {
  if (status < 200 || status > 299) return { outcome: "ignored: not ok" };
  if (status === 204 || text === "" || text === "{}") return { outcome: "no opinion" };
  let body;
  try { body = JSON.parse(text); } catch (err) { return { outcome: "failed", error: "JSON: " + err.message }; }
  const { value, error } = schema.validate(body, options);
  if (error) return { outcome: "failed", error: error.message };
  return { outcome: "accepted", value };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const { status, text } = JSON.parse(line);
  process.stdout.write(JSON.stringify(coralReads(status, text)) + "\n");
});
