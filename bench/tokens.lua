-- tokens.lua: wrk presents a Bearer token per request, taken in turn
-- from a file (one token a line), round robin, so that with 10,000
-- distinct tokens the verified-token cache cannot hide the signature
-- check.  The requests are built once, in init, so wrk's own cost per
-- request is the same for one token and for 10,000.
--
-- usage: wrk ... -s bench/tokens.lua URL -- TOKENFILE
local reqs, n, i = {}, 0, 0

init = function(args)
	local f = assert(args[1], "tokens.lua: no token file")
	for line in io.lines(f) do
		if line ~= "" then
			n = n + 1
			reqs[n] = wrk.format(nil, nil,
			    { ["Authorization"] = "Bearer " .. line })
		end
	end
	assert(n > 0, "tokens.lua: no token in " .. f)
end

request = function()
	i = i % n + 1
	return reqs[i]
end
