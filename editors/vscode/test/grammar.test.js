// Tokenises every valid rule file of the repository (rules/**/*.icp and the semantic rule
// files tests/semantics/*.icp; the error cases are left out, being broken on purpose) with the extension's TextMate grammar, through VS Code's own tokeniser
// (vscode-textmate on vscode-oniguruma), and holds every token to a small independent
// scanner of the language: each comment, string and regex literal gets its scope whole, each
// keyword its keyword scope, each number and duration a numeric scope, each `company.NAME`
// a property scope. Then a few lines check the rest (declared names, signals, operators).
//
//   node editors/vscode/test/grammar.test.js NODE_MODULES_DIR
//
// Prints `grammar: N passed, M failed` and exits 1 on a failure (each one listed).
"use strict";

const fs = require("fs");
const path = require("path");

const modules = path.resolve(process.argv[2] || "node_modules");
const vsctm = require(path.join(modules, "vscode-textmate"));
const oniguruma = require(path.join(modules, "vscode-oniguruma"));

const root = path.resolve(__dirname, "../../..");
const grammarPath = path.join(__dirname, "../syntaxes/icp.tmLanguage.json");

const STORAGE = new Set(["let", "persona", "icp", "test"]);
const KEYWORDS = new Set([
  "require", "exclude", "score", "group", "max", "tier", "when", "decaying", "half_life",
  "top", "signal", "expect", "best", "and", "or", "not", "in", "has", "any", "all", "every",
  "count", "where", "contains", "starts", "with", "matches", "between", "is", "product",
  "version", "owner", "description",
]);
const CONSTANTS = new Set([
  "true", "false", "today", "otherwise", "qualified", "disqualified", "missing", "present",
]);
const ENTITIES = new Set(["company", "contact", "contacts"]);

/** What the scanner expects of a line: [start, end, scope prefix, what] (UTF-16 indices). */
function expectations(line) {
  const out = [];
  let i = 0;
  let previousWord = "";
  while (i < line.length) {
    const c = line[i];
    if (c === "#") {
      out.push([i, line.length, "comment.line", "comment"]);
      break;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      const end = Math.min(j + 1, line.length);
      out.push([i, end, "string.quoted", "string"]);
      i = end;
      previousWord = "";
      continue;
    }
    if (c === "/" && previousWord === "matches") {
      let j = i + 1;
      while (j < line.length && line[j] !== "/") j += line[j] === "\\" ? 2 : 1;
      out.push([i, j + 1, "string.regexp", "regex"]);
      i = j + 1;
      while (i < line.length && /[A-Za-z]/.test(line[i])) i++;
      previousWord = "";
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(line.slice(i));
    if (word) {
      const text = word[0];
      const parts = text.split(".");
      if (parts.length === 2 && (parts[0] === "company" || parts[0] === "contact")) {
        const at = i + parts[0].length + 1;
        out.push([at, at + parts[1].length, "variable.other.property", `field ${text}`]);
      } else if (parts.length === 1) {
        const scope = STORAGE.has(text) ? "storage.type"
          : KEYWORDS.has(text) ? "keyword"
          : CONSTANTS.has(text) ? "constant.language"
          : ENTITIES.has(text) ? "variable.language.entity"
          : null;
        // `version` and the like are keywords only first on a line (metadata).
        const metaWord = ["product", "version", "owner", "description"].includes(text);
        if (scope && (!metaWord || line.slice(0, i).trim() === "")) {
          out.push([i, i + text.length, scope, `keyword ${text}`]);
        }
      }
      previousWord = text;
      i += text.length;
      continue;
    }
    const number = /^\d[\dA-Za-z_.%-]*/.exec(line.slice(i));
    if (number) {
      out.push([i, i + number[0].length, "constant.numeric", `number ${number[0]}`]);
      i += number[0].length;
      previousWord = "";
      continue;
    }
    if (!/\s/.test(c)) previousWord = "";
    i++;
  }
  return out;
}

function scopesAt(tokens, index) {
  const token = tokens.find((t) => t.startIndex <= index && index < t.endIndex);
  return token ? token.scopes : [];
}

function ruleFiles(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1)) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) ruleFiles(full, out);
    else if (entry.name.endsWith(".icp")) out.push(full);
  }
  return out;
}

async function main() {
  const wasm = fs.readFileSync(path.join(modules, "vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) =>
      scope === "source.icp"
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
        : null,
  });
  const grammar = await registry.loadGrammar("source.icp");
  const tokenise = (text) => {
    let stack = vsctm.INITIAL;
    return text.split("\n").map((line) => {
      const result = grammar.tokenizeLine(line, stack);
      stack = result.ruleStack;
      return { line, tokens: result.tokens };
    });
  };

  let passed = 0;
  const failures = [];
  const check = (ok, where) => {
    if (ok) passed++;
    else failures.push(where);
  };

  const files = [...ruleFiles(path.join(root, "rules"), []), ...ruleFiles(path.join(root, "tests/semantics"), [])];
  for (const file of files) {
    const lines = tokenise(fs.readFileSync(file, "utf8"));
    lines.forEach(({ line, tokens }, n) => {
      for (const [start, end, scope, what] of expectations(line)) {
        for (let k = start; k < end; k++) {
          const scopes = scopesAt(tokens, k);
          if (!scopes.some((s) => s.startsWith(scope))) {
            check(false, `${path.relative(root, file)}:${n + 1}:${k + 1}: ${what} should be ${scope}, is ${scopes.join(" ")}`);
            break;
          }
          if (k === end - 1) check(true);
        }
      }
    });
  }

  // The rest, on samples.
  const samples = [
    ['let big_company = company.employees >= 1_000', "big_company", "entity.name.function"],
    ['persona cfo "CFO" when contact.title matches /\\bCFO\\b/i', "cfo", "entity.name.function"],
    ['icp midmarket "Mid-market" {', "midmarket", "entity.name.type"],
    ["  tier A when score >= 50", "A", "entity.name.tag"],
    ["  score 10 when funding.raised_within(90d)", "funding", "entity.name.namespace"],
    ["  score 10 when funding.raised_within(90d)", "raised_within", "support.function"],
    ["  require company.founded >= 2001-06-30", "2001-06-30", "constant.numeric.date"],
    ["  score 5 when company.revenue > 10M", "10M", "constant.numeric"],
    ["  score 5 when company.revenue > 10M", ">", "keyword.operator.comparison"],
    ["  require big_company", "big_company", "variable.other"],
    ['  product "Payroll"', "product", "keyword.other.meta"],
    ['  score 5 "a # not a comment" when true', "# not", "string.quoted"],
    ['  score 5 "open string', "open", "string.quoted"],
  ];
  for (const [line, needle, scope] of samples) {
    const [{ tokens }] = tokenise(line);
    const scopes = scopesAt(tokens, line.indexOf(needle));
    check(scopes.some((s) => s.startsWith(scope)), `sample \`${line}\`: ${needle} should be ${scope}, is ${scopes.join(" ")}`);
  }
  // An unclosed string ends at its line's end: the next line is code again.
  const [, next] = tokenise('let x = "open\nlet y = 1');
  check(scopesAt(next.tokens, 0).some((s) => s.startsWith("storage.type")), "a string must not span lines");

  for (const failure of failures.slice(0, 50)) console.log(failure);
  console.log(`grammar: ${files.length} files, ${passed} passed, ${failures.length} failed`);
  process.exit(failures.length === 0 && files.length > 0 ? 0 : 1);
}

main().catch((err) => {
  console.log(`grammar: ${err.stack || err}`);
  process.exit(1);
});
