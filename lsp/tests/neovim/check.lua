-- Drives the recipe loaded by -u against charter-lsp on a copy of examples/acme (ACME
-- names it; it gains a .charter_cache and loses nothing):
-- diagnostics, a file created outside the editor, completion, hover, definition into
-- std, and the std file served by the same client. Prints one line per check and exits 0 when all pass.
local results, failed = {}, false
local function check(name, ok, detail)
  table.insert(results, (ok and "ok   " or "FAIL ") .. name .. (detail and (" — " .. detail) or ""))
  if not ok then failed = true end
end
local function finish()
  for _, line in ipairs(results) do io.stdout:write(line .. "\n") end
  vim.cmd(failed and "cquit 1" or "qall!")
end

local root = vim.env.ACME
vim.cmd("edit " .. root .. "/waivers.charter")
local buf = vim.api.nvim_get_current_buf()
local attached = vim.wait(10000, function() return #vim.lsp.get_clients({ bufnr = buf }) > 0 end, 50)
check("client attached", attached, vim.fn.has("nvim-0.11") == 1 and "nvim " .. tostring(vim.version()) or nil)
if not attached then return finish() end
local client = vim.lsp.get_clients({ bufnr = buf })[1]

local got = vim.wait(20000, function() return #vim.diagnostic.get(nil) > 0 end, 100)
check("diagnostics appear", got, #vim.diagnostic.get(nil) .. " in the workspace")

-- A file created outside the editor: Neovim registers no watchers, the server watches.
local before = #vim.diagnostic.get(nil)
local file = io.open(root .. "/outside.charter", "w")
file:write('project outside "Outside" { status: active, sponsor: nobody }\n')
file:close()
local seen = vim.wait(20000, function()
  for _, diagnostic in ipairs(vim.diagnostic.get(nil)) do
    if diagnostic.code == "charter::unknown_reference" and vim.api.nvim_buf_get_name(diagnostic.bufnr):match("outside%.charter$") then return true end
  end
  return false
end, 100)
check("a file created outside the editor gets diagnostics", seen, before .. " → " .. #vim.diagnostic.get(nil))
os.remove(root .. "/outside.charter")

-- Completion after `rule: proj` in a new line of the waiver file, as the client filters.
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local row
for index, line in ipairs(lines) do if line:match("^%s*rule:") then row = index; break end end
local original = lines[row]
vim.api.nvim_buf_set_lines(buf, row - 1, row, false, { "  rule: project_has_sp" })
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = row - 1, character = 22 } }
local response = vim.lsp.buf_request_sync(buf, "textDocument/completion", params, 5000)
local labels = {}
for _, reply in pairs(response or {}) do
  local items = reply.result and (reply.result.items or reply.result) or {}
  for _, item in ipairs(items) do
    local edit = item.textEdit
    local typed = edit and lines and vim.api.nvim_buf_get_text(buf, edit.range.start.line, edit.range.start.character, edit.range["end"].line, edit.range["end"].character, {})[1] or ""
    if vim.startswith(item.filterText or item.label, typed) then table.insert(labels, item.label) end
  end
end
check("completion filters on the typed prefix", #labels == 1 and labels[1] == "project_has_sponsor", table.concat(labels, ", "))
vim.api.nvim_buf_set_lines(buf, row - 1, row, false, { original })

-- Hover and definition on the waiver's rule name.
local column = original:find("rule:") + 6
local at = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = row - 1, character = column } }
local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", at, 5000)
local hover_text
for _, reply in pairs(hover or {}) do hover_text = reply.result and reply.result.contents and reply.result.contents.value end
check("hover", hover_text ~= nil, hover_text and hover_text:gsub("\n.*", "") or nil)

local definition = vim.lsp.buf_request_sync(buf, "textDocument/definition", at, 5000)
local location
for _, reply in pairs(definition or {}) do location = reply.result and reply.result[1] end
local std_uri = location and (location.uri or location.targetUri)
check("definition into std", std_uri ~= nil and std_uri:find("/.charter_cache/std/", 1, true) ~= nil, std_uri)
if not std_uri then return finish() end

vim.lsp.util.show_document(location, client.offset_encoding, { focus = true })
local std_buf = vim.api.nvim_get_current_buf()
vim.wait(5000, function() return #vim.lsp.get_clients({ bufnr = std_buf }) > 0 end, 50)
local std_clients = vim.lsp.get_clients({ bufnr = std_buf })
check("std file served by the same server", #std_clients == 1 and std_clients[1].id == client.id and #vim.lsp.get_clients() == 1,
  #vim.lsp.get_clients() .. " client(s) running")
check("std file is read-only", vim.bo[std_buf].readonly)
local cursor = vim.api.nvim_win_get_cursor(0)
local std_line = vim.api.nvim_buf_get_lines(std_buf, cursor[1] - 1, cursor[1], false)[1]
local std_at = { textDocument = { uri = std_uri }, position = { line = cursor[1] - 1, character = (std_line:find("%s%w+%s*{") or 5) } }
local std_hover = vim.lsp.buf_request_sync(std_buf, "textDocument/hover", std_at, 5000)
local std_hover_text
for _, reply in pairs(std_hover or {}) do std_hover_text = reply.result and reply.result.contents and reply.result.contents.value end
check("hover inside std", std_hover_text ~= nil, std_hover_text and std_hover_text:gsub("\n.*", "") or nil)
local symbols = vim.lsp.buf_request_sync(std_buf, "textDocument/documentSymbol", { textDocument = { uri = std_uri } }, 5000)
local count = 0
for _, reply in pairs(symbols or {}) do count = count + #(reply.result or {}) end
check("document symbols inside std", count > 0, count .. " symbols")
local tokens = vim.lsp.buf_request_sync(std_buf, "textDocument/semanticTokens/full", { textDocument = { uri = std_uri } }, 5000)
local data = 0
for _, reply in pairs(tokens or {}) do data = data + #((reply.result or {}).data or {}) end
check("semantic tokens inside std", data > 0, (data / 5) .. " tokens")
finish()
