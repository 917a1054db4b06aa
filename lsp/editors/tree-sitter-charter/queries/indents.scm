; Indents with nvim-treesitter's capture names (its `indentexpr`); Helix's are in
; helix/indents.scm.
[
  (entity_body)
  (extend_body)
  (rule_body)
  (test_body)
  (list)
  (list_expression)
  (arguments)
  (enum_type)
] @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch @indent.end

; A `require` continued on the next line is indented under it.
(require_clause) @indent.begin

[
  (text_block)
  (template_text_block)
] @indent.ignore

(comment) @indent.auto
