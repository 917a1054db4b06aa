; Charter highlights with nvim-treesitter capture names (Neovim 0.11's built-in
; treesitter uses the same names). Helix names are in helix/highlights.scm.
; In Neovim a later pattern wins over an earlier one, so general patterns come first.

; Identifiers not matched below are variables of a rule.
(identifier) @variable

((identifier) @variable.builtin
  (#any-of? @variable.builtin
    "projects" "objectives" "metrics" "people" "teams"
    "milestones" "risks" "changes" "waivers" "today"))

; ── declarations ──────────────────────────────────────────────────────────────────
"use" @keyword.import

[
  "extend"
  "enum"
  "ref"
] @keyword.type

"rule" @keyword.function

"test" @keyword

"required" @keyword.modifier

[
  "for"
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

"else" @keyword.conditional

[
  "or"
  "and"
  "not"
  "in"
] @keyword.operator

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
  name: (identifier) @property)

(field_declaration
  name: (identifier) @property)

(setting
  name: (identifier) @property)

(rule_declaration
  name: (identifier) @function)

(test_declaration
  name: (identifier) @function)

(for_clause
  kind: (identifier) @type)

(for_clause
  variable: (identifier) @variable.parameter)

(let_clause
  name: (identifier) @variable)

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
  field: (identifier) @variable.member)

(call_expression
  method: (identifier) @function.method.call)

; The first argument of `all any filter map count` names a new variable.
(call_expression
  method: (identifier) @_method
  arguments: (arguments
    .
    (identifier) @variable.parameter)
  (#any-of? @_method "all" "any" "filter" "map" "count"))

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
] @operator

; ── literals ──────────────────────────────────────────────────────────────────────
[
  (string)
  (text_block)
  (template_string)
  (template_text_block)
] @string

(use_declaration
  path: (_) @string.special.path)

(escape_sequence) @string.escape

(brace_escape) @string.escape

[
  (number)
  (percent)
  (money)
  (duration)
] @number

(date) @string.special

(measurement
  "@" @operator)

(boolean) @boolean

(none) @constant.builtin

; ── punctuation and comments ──────────────────────────────────────────────────────
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

(interpolation
  [
    "{"
    "}"
  ] @punctuation.special)

(comment) @comment @spell

(doc_comment) @comment.documentation @spell
