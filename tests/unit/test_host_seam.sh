#!/usr/bin/env bash
# The host seam holds: above src/provider/ (and the plain helpers of src/util/) no code
# reaches a lab host by a local path, /proc, a signal or a namespace of its own. Each
# exception below is a file of the harness's own on this machine, with its reason.
# Usage: test_host_seam.sh SOURCE_DIR
set -u
cd "$1/src" || exit 2

forbidden='fs_read_file|fs_write_file|fs_write_string|fs_mkdir_p|fs_remove_tree|fs_exists'
forbidden+='|[^_a-z]kill\(|"/proc|opendir\(|statvfs|posix_fallocate|[^_a-z]unlink\(|[^_a-z]open\('
forbidden+='|fopen\(|setns\(|readlink\(|process_is_zombie|proc_start_time|pgshm_'
forbidden+='|->host_root\b|->log_dir\b|->netns_path\b|->netns\b|client_netns_path'

# file|pattern|why: allowed uses, all on the harness's own files.
allowed='
journal/runs_dir.c|fs_mkdir_p|the runs directory
journal/runs_dir.c|opendir(|the runs directory, for --keep-runs
journal/runs_dir.c|fs_remove_tree|a run directory of the lab older than --keep-runs
journal/journal.c|fs_write_string|journal.json and junit.xml in the run directory
journal/journal.c|fs_read_file|journal.json of an exercise'"'"'s run directory, to add its debrief
train/record.c|open(|the commands of a running exercise, appended to the lab'"'"'s state directory
train/record.c|fopen(|the commands of a running exercise, read back for the debrief
workload/workload.c|fopen(|history.tsv and lag.tsv in the run directory
workload/history.c|fopen(|reads a history file back from the run directory
workload/command.c|open(|command.log of the command workload in the run directory
workload/command.c|kill(-pid|the command workload'"'"'s own child and its group (started by pgdrill, not reaped until waitpid, so the PID cannot be another'"'"'s)
lua/engine.c|fs_read_file|the scenario and its required Lua files
lua/engine.c|fs_exists|whether a required Lua module is there, before the run
lua/lua_check_workload.c|fopen(|lost_writes.txt in the run directory
cli/cmd_run.c|fopen(|checks that the scenario files are readable
roles/secrets.c|fs_read_file|the lab'"'"'s generated passwords in its state directory
roles/secrets.c|fs_write_string|the lab'"'"'s generated passwords in its state directory
roles/cluster.c|fs_exists|whether the lab'"'"'s state directory exists
lab/lab.c|open(|the lab file itself
journal/timeline.c|fopen(|lag.tsv of a workload in the run directory
report/report.c|fs_read_file|journal.json of a run directory the user named
report/history.c|opendir(|the folder of run directories the user named (--history)
cli/common.c|fs_write_string|report.html in the run directory
train/record.c|fs_read_file|the lab'"'"'s training record in its state directory
train/record.c|fs_write_string|the lab'"'"'s training record in its state directory
cli/cmd_train.c|opendir(|the exercises directory, to list them
train/shells.c|fs_mkdir_p|the trainee'"'"'s shell histories in the lab state directory
train/shells.c|fs_write_string|a trainee'"'"'s shell history, created for the user of the shell
train/shells.c|fs_exists|whether a trainee'"'"'s shell history exists
train/shells.c|opendir(|the trainee'"'"'s shell histories, read back for the debrief
train/shells.c|fs_read_file|a trainee'"'"'s shell history, read back for the debrief
train/shells.c|fs_remove_tree|the shell histories of an earlier exercise
cli/cmd_report.c|fs_write_string|the report where the user asked for it
cli/cmd_audit.c|fs_write_string|the audit page where the user asked for it (--html)
cli/cmd_show.c|fs_mkdir_p|show --configs: the directory the user named
cli/cmd_show.c|fs_write_string|show --configs: rendered files into the directory the user named
'

pass=0
fail=0
while IFS= read -r hit; do
	file=${hit%%:*}
	rest=${hit#*:}
	line=${rest%%:*}
	text=${rest#*:}
	ok=no
	while IFS='|' read -r afile apat _; do
		[ -n "$afile" ] || continue
		if [ "$file" = "$afile" ] && [[ $text == *"$apat"* ]]; then ok=yes; fi
	done <<<"$allowed"
	# Comments do not count.
	if [[ $text =~ ^[[:space:]]*(/\*|\*) ]]; then ok=yes; fi
	if [ "$ok" = yes ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: src/$file:$line reaches past the host seam: $(sed 's/^[[:space:]]*//' <<<"$text")"
	fi
done < <(grep -rnE "$forbidden" --include='*.c' --include='*.h' . | sed 's|^\./||' |
	grep -vE '^(provider|util)/')
# The guard must see the code it guards: the seam's own file has these calls.
if grep -qE 'fs_user_ids|openat' provider/netns_host.c; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: provider/netns_host.c not found or changed shape"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
