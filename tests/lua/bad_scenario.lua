-- A scenario that fails two calls deep, for the traceback test.
local function inner()
  local x = 1
  error("boom from line 4")
end
local function outer() inner() end
outer()
