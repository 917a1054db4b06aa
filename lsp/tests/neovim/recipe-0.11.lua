-- The Neovim 0.11 recipe of docs/editors.md (CHARTER_LSP names the binary to try).
vim.filetype.add({ extension = { charter = "charter" } })
vim.lsp.config("charter", {
  cmd = { vim.env.CHARTER_LSP or "charter-lsp" },
  filetypes = { "charter" },
  root_markers = { "charter.toml", ".git" },
})
vim.lsp.enable("charter")
