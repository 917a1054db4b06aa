; Charter highlights with Helix's scope names. In Helix the first pattern that
; matches a node wins, so specific patterns come first and `(identifier)` last.

; ── comments ──────────────────────────────────────────────────────────────────────
(doc_comment) @comment.line.documentation

(comment) @comment.line

; ── declarations ──────────────────────────────────────────────────────────────────
(entity
  kind: (identifier) @type)

(entity
  name: (identifier) @constant)

(extend_declaration
  kind: (identifier) @type)

(ref_type
  kind: (identifier) @type)

(type_name) @type.builtin

(enum_value) @constant

(field
  name: (identifier) @variable.other.member)

(field_declaration
  name: (identifier) @variable.other.member)

(setting
  name: (identifier) @variable.other.member)

(rule_declaration
  name: (identifier) @function)

(test_declaration
  name: (identifier) @function)

(for_clause
  kind: (identifier) @type)

(for_clause
  variable: (identifier) @variable.parameter)

(reference
  (identifier) @constant)

(expect_statement
  rule: (path
    (identifier) @function))

(expect_statement
  entity: (path
    (identifier) @constant))

; ── expressions ───────────────────────────────────────────────────────────────────
(member_expression
  field: (identifier) @variable.other.member)

; The first argument of `all any filter map count` names a new variable.
(call_expression
  method: (identifier) @_method
  arguments: (arguments
    .
    (identifier) @variable.parameter)
  (#any-of? @_method "all" "any" "filter" "map" "count"))

(call_expression
  method: (identifier) @function.method)

((identifier) @variable.builtin
  (#any-of? @variable.builtin
    "projects" "objectives" "metrics" "people" "teams"
    "milestones" "risks" "changes" "waivers" "today"))

; ── keywords ──────────────────────────────────────────────────────────────────────
"use" @keyword.control.import

[
  "extend"
  "enum"
  "ref"
] @keyword.storage.type

"required" @keyword.storage.modifier

"rule" @keyword.function

"else" @keyword.control.conditional

"for" @keyword.control.repeat

[
  "test"
  "portfolio"
  "where"
  "let"
  "require"
  "today"
  "expect"
  "clean"
  "no"
  "on"
] @keyword

[
  "or"
  "and"
  "not"
  "in"
] @keyword.operator

[
  "=="
  "!="
  "<"
  "<="
  ">"
  ">="
  "+"
  "-"
  "*"
  "/"
  "="
  "@"
] @operator

; ── literals ──────────────────────────────────────────────────────────────────────
(use_declaration
  path: (_) @string.special.path)

(escape_sequence) @constant.character.escape

(brace_escape) @constant.character.escape

(interpolation
  [
    "{"
    "}"
  ] @punctuation.special)

[
  (string)
  (text_block)
  (template_string)
  (template_text_block)
] @string

[
  (number)
  (percent)
  (money)
  (duration)
] @constant.numeric

(date) @string.special

(boolean) @constant.builtin.boolean

(none) @constant.builtin

; ── punctuation ───────────────────────────────────────────────────────────────────
[
  "{"
  "}"
  "["
  "]"
  "("
  ")"
] @punctuation.bracket

[
  ","
  ":"
  "."
  "::"
] @punctuation.delimiter

(identifier) @variable
