; Indents with Helix's capture names.
[
  (entity_body)
  (extend_body)
  (rule_body)
  (test_body)
  (list)
  (list_expression)
  (arguments)
  (enum_type)
] @indent

[
  "}"
  "]"
  ")"
] @outdent
