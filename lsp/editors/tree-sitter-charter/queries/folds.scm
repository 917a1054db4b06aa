; Folds for Neovim (`vim.treesitter.foldexpr()`); Helix has no folding.
[
  (entity_body)
  (extend_body)
  (rule_body)
  (test_body)
  (list)
  (list_expression)
  (arguments)
  (text_block)
  (template_text_block)
] @fold
