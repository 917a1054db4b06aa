// Grammar snapshot tests: the TextMate grammar, run by the same engine as VS Code
// (vscode-textmate + vscode-oniguruma), over the fixtures in tests/grammar/ and over the
// repository's own .charter files. Each fixture's scopes are compared with its snapshot in
// tests/snap/ (the repository's files are not snapshotted, so that editing the std
// library or an example never needs a grammar snapshot update); `UPDATE_SNAPSHOTS=1 npm run test:grammar` rewrites the snapshots (review
// the diff). Every .charter file of the repository must also end with the grammar back in
// its top-level state, and no ordinary string may run past its line: a runaway region
// colours the rest of the file.
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const textmate = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = dirname(fileURLToPath(import.meta.url));
const extension = dirname(here);
const repository = join(extension, "..", "..", "..");
const grammarPath = join(extension, "syntaxes", "charter.tmLanguage.json");
const snapshots = join(here, "snap");
const update = process.env.UPDATE_SNAPSHOTS === "1";

const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (text) => new oniguruma.OnigString(text),
}));
const registry = new textmate.Registry({
  onigLib,
  loadGrammar: async (scopeName) =>
    scopeName === "source.charter" ? textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath) : null,
});
const grammar = await registry.loadGrammar("source.charter");

/** Every `.charter` file below `directory`, sorted, skipping build output and packages. */
function charterFiles(directory) {
  const found = [];
  for (const name of readdirSync(directory).sort()) {
    if (name === "node_modules" || name === "target" || name.startsWith(".")) {
      continue;
    }
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      found.push(...charterFiles(path));
    } else if (name.endsWith(".charter")) {
      found.push(path);
    }
  }
  return found;
}

/** Tokenizes a file line by line as VS Code does (any of `\r\n`, `\n`, `\r` ends a line). */
function tokenize(text) {
  let state = textmate.INITIAL;
  const lines = [];
  const states = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const result = grammar.tokenizeLine(line, state);
    lines.push({ line, tokens: result.tokens });
    state = result.ruleStack;
    states.push(state);
  }
  return { lines, state, states };
}

/** The snapshot text: each line, then one marker line per scoped token under it. */
function render(lines) {
  const out = [];
  for (const { line, tokens } of lines) {
    out.push(`>${line}`);
    for (const token of tokens) {
      // vscode-textmate's last token reaches one past the line (its line end).
      const end = Math.min(token.endIndex, line.length);
      const text = line.slice(token.startIndex, end);
      const scopes = token.scopes.slice(1);
      // Blanks between tokens carry only the enclosing scopes: noise, unless in a string.
      if (text.trim() === "" && !scopes.some((scope) => scope.startsWith("string"))) {
        continue;
      }
      const width = Math.max(end - token.startIndex, 1);
      out.push(`#${" ".repeat(token.startIndex)}${"^".repeat(width)} ${scopes.join(" ") || "-"}`);
    }
  }
  return `${out.join("\n")}\n`;
}

function checkSnapshot(name, actual) {
  const path = join(snapshots, `${name}.snap`);
  if (update) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `no snapshot ${relative(extension, path)}; run UPDATE_SNAPSHOTS=1 npm run test:grammar`);
  assert.equal(
    actual,
    readFileSync(path, "utf8"),
    `${relative(extension, path)} no longer matches; if the change is intended, run UPDATE_SNAPSHOTS=1 npm run test:grammar in lsp/editors/vscode and review the diff`,
  );
}

/** Every snapshot file below `directory`, as names relative to tests/snap/. */
function snapshotFiles(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      return snapshotFiles(path);
    }
    return name.endsWith(".snap") ? [relative(snapshots, path).split(sep).join("/")] : [];
  });
}

const display = (path) => relative(repository, path).split(sep).join("/");

const expected = new Set();

// Hand-written fixtures, one language corner each.
for (const path of charterFiles(join(here, "grammar"))) {
  const name = relative(join(here, "grammar"), path).split(sep).join("/");
  expected.add(`${name}.snap`);
  test(`grammar snapshot: ${name}`, () => {
    const { lines, state } = tokenize(readFileSync(path, "utf8"));
    checkSnapshot(name, render(lines));
    assert.equal(state.depth, 1, `${name} ends inside a region`);
  });
}

// Every .charter file in the repository (fixtures of broken input too) leaves the grammar
// at top level and keeps ordinary strings on their line.
test("no .charter file of the repository leaves a region open", () => {
  const problems = [];
  for (const path of charterFiles(repository)) {
    const { state, states } = tokenize(readFileSync(path, "utf8"));
    if (state.depth !== 1) {
      problems.push(`${display(path)}: ends inside a region`);
    }
    states.forEach((end, index) => {
      // A word tokenized in the state a line ends in shows what is still open there.
      const probe = grammar.tokenizeLine("x", end).tokens[0];
      if (probe?.scopes.some((scope) => scope.startsWith("string.quoted.double") || scope.startsWith("meta.interpolation"))) {
        problems.push(`${display(path)}:${index + 1}: a string or interpolation stays open after the line`);
      }
    });
  }
  assert.deepEqual(problems, []);
});

// A snapshot whose file is gone would never be checked again.
test("every snapshot belongs to a file", () => {
  const stale = snapshotFiles(snapshots).filter((name) => !expected.has(name));
  if (update) {
    for (const name of stale) {
      rmSync(join(snapshots, name));
    }
    return;
  }
  assert.deepEqual(stale, [], "stale snapshots; UPDATE_SNAPSHOTS=1 npm run test:grammar removes them");
});
