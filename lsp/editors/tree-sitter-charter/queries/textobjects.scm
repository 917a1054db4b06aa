; Text objects with nvim-treesitter-textobjects' capture names; Helix's are in
; helix/textobjects.scm. A rule or a test is a function, an entity or an `extend`
; a class, a field a key-value assignment.
(rule_declaration) @function.outer

(rule_declaration
  body: (rule_body) @function.inner)

(test_declaration) @function.outer

(test_declaration
  body: (test_body) @function.inner)

(entity) @class.outer

(entity
  body: (entity_body) @class.inner)

(extend_declaration) @class.outer

(extend_declaration
  body: (extend_body) @class.inner)

(field) @assignment.outer

(field
  name: (_) @assignment.lhs)

(field
  value: (_) @assignment.inner @assignment.rhs)

(setting) @assignment.outer

(setting
  value: (_) @assignment.inner @assignment.rhs)

(field_declaration) @assignment.outer

(field_declaration
  type: (_) @assignment.inner @assignment.rhs)

(require_clause) @statement.outer

(let_clause) @statement.outer

(for_clause) @statement.outer

(expect_statement) @statement.outer

(require_clause
  condition: (_) @conditional.inner) @conditional.outer

(call_expression) @call.outer

(call_expression
  arguments: (arguments) @call.inner)

(arguments
  (_) @parameter.inner)

(list
  (_) @parameter.inner)

(list_expression
  (_) @parameter.inner)

[
  (comment)
  (doc_comment)
] @comment.outer

[
  (number)
  (percent)
  (money)
] @number.inner
