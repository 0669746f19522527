-- sysbench workload for the zero-copy benchmark (tests/bench/dbproxy-throughput.sh): each event
-- reads one 1 MiB row, so that the relay moves large packets rather than many small ones.
local ROWS = 16

function prepare()
	local con = sysbench.sql.driver():connect()
	con:query("DROP TABLE IF EXISTS blobs")
	con:query("CREATE TABLE blobs (id INT PRIMARY KEY, b LONGBLOB NOT NULL)")
	for i = 1, ROWS do
		-- 64 hex characters x 16384 = 1 MiB per row
		con:query(string.format("INSERT INTO blobs VALUES (%d, REPEAT(SHA2('%d', 256), 16384))", i, i))
	end
	con:disconnect()
end

function thread_init()
	con = sysbench.sql.driver():connect()
end

function thread_done()
	con:disconnect()
end

function event()
	con:query("SELECT b FROM blobs WHERE id = " .. sysbench.rand.uniform(1, ROWS))
end
