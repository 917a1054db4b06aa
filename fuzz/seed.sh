#!/bin/sh
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not committed) from the repository's own
# Charter files: the examples, the test fixtures, the std library and the `charter init`
# template. The `parse` corpus also gets edit-suffixed copies, and `lsp_message` gets
# JSON-RPC sessions that open each file and ask every request about it (needs python3).
set -eu
cd "$(dirname "$0")"
root=..
files=$(find "$root/examples" "$root/tests/fixtures" "$root/src/stdlib" "$root/src/init" -name '*.charter' | sort)

for target in parse check fmt lsp_message; do
    mkdir -p "corpus/$target"
done

n=0
for file in $files; do
    n=$((n + 1))
    for target in parse check fmt; do
        cp "$file" "corpus/$target/seed-$n.charter"
    done
    # A NUL byte, then an edit: start (u16 LE), bytes removed (u16 LE), text inserted.
    { cat "$file"; printf '\000\040\000\010\000}\n'; } > "corpus/parse/seed-$n-edit"
done

# Each example workspace as one file too, so that a one-file check links its entities
# across what were files (a project's KPIs, a metric's owner).
for example in "$root"/examples/*/; do
    name=$(basename "$example")
    find "$example" -name '*.charter' | sort | xargs cat > "corpus/check/whole-$name.charter"
    cp "corpus/check/whole-$name.charter" "corpus/fmt/whole-$name.charter"
done

python3 - "corpus/lsp_message" "$(python3 -c 'import tempfile; print(tempfile.gettempdir())')/charter-fuzz-lsp" $files <<'PY'
import json, sys

out, sandbox, files = sys.argv[1], sys.argv[2], sys.argv[3:]

def session(uri, text):
    lines = text.split("\n")
    middle = {"line": len(lines) // 2, "character": 4}
    doc = {"uri": uri}
    where = {"textDocument": doc, "position": middle}
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": len(lines), "character": 0}}
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": "file://" + sandbox, "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "textDocument": {"completion": {"completionItem": {"snippetSupport": True}},
                                 "hover": {"contentFormat": ["markdown"]},
                                 "documentSymbol": {"hierarchicalDocumentSymbolSupport": True}}}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "charter", "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": where},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": where},
        {"jsonrpc": "2.0", "id": 4, "method": "textDocument/definition", "params": where},
        {"jsonrpc": "2.0", "id": 5, "method": "textDocument/references", "params": dict(where, context={"includeDeclaration": True})},
        {"jsonrpc": "2.0", "id": 6, "method": "textDocument/documentSymbol", "params": {"textDocument": doc}},
        {"jsonrpc": "2.0", "id": 7, "method": "textDocument/semanticTokens/full", "params": {"textDocument": doc}},
        {"jsonrpc": "2.0", "id": 8, "method": "textDocument/formatting", "params": {"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": True}}},
        {"jsonrpc": "2.0", "id": 9, "method": "textDocument/codeAction", "params": {"textDocument": doc, "range": whole, "context": {"diagnostics": []}}},
        {"jsonrpc": "2.0", "id": 10, "method": "textDocument/inlayHint", "params": {"textDocument": doc, "range": whole}},
        {"jsonrpc": "2.0", "id": 11, "method": "textDocument/prepareRename", "params": where},
        {"jsonrpc": "2.0", "id": 12, "method": "textDocument/rename", "params": dict(where, newName="renamed")},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": middle, "end": middle}, "text": "x"}]}},
        {"jsonrpc": "2.0", "id": 13, "method": "textDocument/hover", "params": where},
        {"jsonrpc": "2.0", "id": 14, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    return [json.dumps(message).encode() for message in messages]

for n, path in enumerate(files, 1):
    text = open(path, encoding="utf-8").read()
    bodies = session("file://%s/seed-%d.charter" % (sandbox, n), text)
    # Odd first byte: NUL-separated bodies, framed by the target.
    with open("%s/seed-%d-framed" % (out, n), "wb") as f:
        f.write(b"\x01" + b"\x00".join(bodies))
    # Even first byte: the raw stream, headers included.
    with open("%s/seed-%d-raw" % (out, n), "wb") as f:
        f.write(b"\x00" + b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(body), body) for body in bodies))
PY
echo "seeded $n files into fuzz/corpus/"
