-- Loads the Charter parser and queries into Neovim 0.11's built-in treesitter (no
-- plugin) and prints the highlight captures and fold levels of a sample file, so a
-- person can check what Neovim shows. Run from lsp/editors/tree-sitter-charter after
-- `tree-sitter build -o charter.so`:
--
--   nvim --headless --clean -l test/nvim/captures.lua charter.so test/nvim/sample.charter
--
-- It needs a runtimepath directory whose queries/charter/ holds the queries; it makes
-- one under a temporary directory, linking to queries/*.scm. Its output for the sample
-- as of the last check is test/nvim/sample.captures.
local parser_path, sample = arg[1], arg[2]
local here = vim.fn.getcwd()

local runtime = vim.fn.tempname()
vim.fn.mkdir(runtime .. '/queries/charter', 'p')
for _, name in ipairs({ 'highlights', 'folds', 'indents', 'textobjects' }) do
  vim.uv.fs_symlink(here .. '/queries/' .. name .. '.scm', runtime .. '/queries/charter/' .. name .. '.scm')
end
vim.opt.runtimepath:append(runtime)

vim.filetype.add({ extension = { charter = 'charter' } })
assert(vim.treesitter.language.add('charter', { path = here .. '/' .. parser_path }))

vim.cmd.edit(sample)
assert(vim.bo.filetype == 'charter', 'filetype is ' .. vim.bo.filetype)
vim.treesitter.start()
local tree = vim.treesitter.get_parser(0, 'charter'):parse()[1]
io.stdout:write(('has error: %s\n'):format(tostring(tree:root():has_error())))

-- Each run of characters with the same winning capture (in Neovim the last one wins),
-- as `text=capture`, and the fold level of each line.
local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
local function winner(row, col)
  local best
  for _, capture in ipairs(vim.treesitter.get_captures_at_pos(0, row, col)) do
    if capture.capture ~= 'spell' and capture.capture:sub(1, 1) ~= '_' then best = capture.capture end
  end
  return best
end
for row, line in ipairs(lines) do
  local out, run_start, run_capture = {}, 0, nil
  for col = 0, #line do
    local capture = col < #line and winner(row - 1, col) or '<end>'
    if capture ~= run_capture then
      if run_capture then
        local text = vim.trim(line:sub(run_start + 1, col))
        if text ~= '' then table.insert(out, ('%s=%s'):format(text, run_capture)) end
      end
      run_start, run_capture = col, capture
    end
  end
  io.stdout:write(('%2d fold=%-3s %s\n'):format(row, vim.treesitter.foldexpr(row), table.concat(out, '  ')))
end
vim.cmd('qa!')
