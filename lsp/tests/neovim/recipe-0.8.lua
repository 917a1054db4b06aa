-- The Neovim 0.8–0.10 recipe of docs/editors.md (CHARTER_LSP names the binary to try).
vim.filetype.add({ extension = { charter = "charter" } })
vim.api.nvim_create_autocmd("FileType", {
  pattern = "charter",
  callback = function(args)
    local found = vim.fs.find({ "charter.toml", ".git" }, {
      upward = true,
      path = vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
    })[1]
    vim.lsp.start({
      name = "charter",
      cmd = { vim.env.CHARTER_LSP or "charter-lsp" },
      root_dir = found and vim.fs.dirname(found) or nil,
    })
  end,
})
