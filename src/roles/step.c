#include "roles/step.h"

#include <stdlib.h>
#include <string.h>

#include "util/argv.h"
#include "util/error.h"
#include "util/strbuf.h"

int step_fail(const struct lab_rt *rt, const struct lab_host_rt *h, const char *step,
              char *const *argv, const struct proc_result *res, const char *log)
{
	struct strbuf sb = STRBUF_INIT;
	char *cmd = proc_argv_string(argv), *err = proc_tail(res->err, 8);
	char *out = proc_tail(res->out, 4), *tail = log ? host_log_tail(rt, h, log, 10) : xstrdup("");

	if (res->status == -1)
		strbuf_printf(&sb, "host %s, step '%s': '%s' did not finish in time\n",
		              h->def->name, step, cmd);
	else
		strbuf_printf(&sb, "host %s, step '%s': '%s' exited with status %d\n", h->def->name,
		              step, cmd, res->status);
	if (*err) {
		strbuf_puts(&sb, "  stderr:\n");
		strbuf_put_quoted(&sb, err);
	} else if (*out) {
		strbuf_puts(&sb, "  stdout:\n");
		strbuf_put_quoted(&sb, out);
	}
	strbuf_puts(&sb, tail);
	if (sb.len && sb.buf[sb.len - 1] == '\n')
		sb.buf[--sb.len] = '\0';
	error_set("%s", strbuf_str(&sb));
	strbuf_free(&sb);
	free(cmd);
	free(err);
	free(out);
	free(tail);
	return -1;
}

int step_run(const struct lab_rt *rt, const struct lab_host_rt *h, const char *step,
             const struct step_cmd *c, char **out)
{
	struct argv cmd = ARGV_INIT;
	struct proc_spec spec = {
	    .user = c->user,
	    .env = c->env,
	    .input = c->input,
	    .timeout_ms = c->timeout_ms ? c->timeout_ms : 60000,
	    .reads_only = c->reads_only,
	};
	struct proc_result res;
	int rc = 0;

	argv_add_all(&cmd, c->argv);
	argv_add_all(&cmd, c->args);
	spec.argv = argv_get(&cmd);
	if (host_run(rt, h, &spec, &res) < 0) {
		error_prefix("host %s, step '%s': ", h->def->name, step);
		argv_free(&cmd);
		return -1;
	}
	if (c->status && res.status >= 0)
		*c->status = res.status;
	if (res.status != 0 && !(c->status && res.status >= 0))
		rc = step_fail(rt, h, step, spec.argv, &res, c->log);
	else if (out) {
		*out = res.out;
		res.out = NULL;
	}
	proc_result_free(&res);
	argv_free(&cmd);
	return rc;
}
