-- A scenario that does not parse.
local x = = 1
