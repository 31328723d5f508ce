#!/bin/sh
# An example of a team's own client as pgdrill's workload (workload.start{kind =
# "command", cmd = "sh tests/clients/books_client.sh"}): psql, one connection per write,
# the way a cron job or a simple application writes. It inserts books of this run
# ($PGDRILL_RUN) through the write listener pgdrill put in PGHOST/PGPORT and prints one
# line per write in the format of src/workload/command.c:
#   op <TAB> write <TAB> id <TAB> start_us <TAB> end_us <TAB> ok|failed|indeterminate <TAB> server
# A write whose connection was refused never left: failed. One that broke after it was
# sent may have committed: indeterminate.
trap 'exit 0' TERM INT
id=0
while :; do
	id=$((id + 1))
	start=$(date +%s%6N)
	out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -c "INSERT INTO books (run, id, client, title) \
VALUES ($PGDRILL_RUN, $id, 0, 'from the example client') RETURNING host(inet_server_addr())" 2>&1)
	rc=$?
	end=$(date +%s%6N)
	if [ "$rc" = 0 ]; then
		printf 'op\twrite\t%s\t%s\t%s\tok\t%s\n' "$id" "$start" "$end" "$out"
	else
		why=$(printf '%s' "$out" | head -1 | tr '\t' ' ')
		case $out in
		*"connection to server"*failed* | *"could not connect"*) outcome=failed ;;
		*) [ "$rc" = 2 ] && outcome=indeterminate || outcome=failed ;;
		esac
		printf 'op\twrite\t%s\t%s\t%s\t%s\t-\t%s\n' "$id" "$start" "$end" "$outcome" "$why"
	fi
	sleep 0.02
done
