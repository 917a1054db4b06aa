; Text objects with Helix's capture names: a rule is a function, a test a test, an
; entity or an `extend` a class, a field or setting an entry.
(rule_declaration) @function.around

(rule_declaration
  body: (rule_body) @function.inside)

(test_declaration) @test.around

(test_declaration
  body: (test_body) @test.inside)

(entity) @class.around

(entity
  body: (entity_body) @class.inside)

(extend_declaration) @class.around

(extend_declaration
  body: (extend_body) @class.inside)

(field) @entry.around

(field
  value: (_) @entry.inside)

(setting) @entry.around

(setting
  value: (_) @entry.inside)

(field_declaration) @entry.around

(field_declaration
  type: (_) @entry.inside)

(arguments
  (_) @parameter.inside @parameter.around)

(list
  (_) @parameter.inside @parameter.around)

(list_expression
  (_) @parameter.inside @parameter.around)

(comment) @comment.inside

(comment)+ @comment.around

(doc_comment) @comment.inside

(doc_comment)+ @comment.around
