#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_option help_option = {"help", 'h', NULL, "show this help and exit"};

static int option_index(const struct cli_command *cmd, const char *name, char short_name)
{
	int i;

	for (i = 0; cmd->options && cmd->options[i].name; i++) {
		if (name && strcmp(cmd->options[i].name, name) == 0)
			return i;
		if (!name && short_name && cmd->options[i].short_name == short_name)
			return i;
	}
	return -1;
}

void cli_print_help(const struct cli_command *cmd)
{
	const struct cli_option *o;
	int i;

	printf("usage: pgdrill %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->details)
		printf("\n%s\n", cmd->details);
	printf("\noptions:\n");
	for (i = 0;; i++) {
		char left[64];

		o = cmd->options && cmd->options[i].name ? &cmd->options[i] : &help_option;
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->short_name ? "-" : "",
		         o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
		         o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-28s %s\n", o->short_name ? left : left + 2, o->help);
		if (o == &help_option)
			break;
	}
}

static int usage_error(const struct cli_command *cmd, const char *msg, const char *what)
{
	fprintf(stderr, "pgdrill %s: %s%s%s\nusage: pgdrill %s %s\n(see 'pgdrill %s --help')\n",
	        cmd->name, msg, what ? " " : "", what ? what : "", cmd->name, cmd->usage,
	        cmd->name);
	return -1;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *out)
{
	int i, idx;

	memset(out, 0, sizeof(*out));
	out->cmd = cmd;
	out->pos = argv; /* positional arguments are compacted to the front of argv */
	for (i = 0; i < argc; i++) {
		char *a = argv[i];
		const char *value = NULL;

		if (strcmp(a, "--") == 0) {
			if (!cmd->takes_rest)
				return usage_error(cmd, "does not take a command after", "--");
			out->rest = &argv[i + 1];
			out->nrest = argc - i - 1;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			argv[out->npos++] = a;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_help(cmd);
			return 1;
		}
		if (a[1] == '-') {
			char name[64];
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			if (n >= sizeof(name))
				return usage_error(cmd, "unknown option", a);
			memcpy(name, a + 2, n);
			name[n] = '\0';
			idx = option_index(cmd, name, 0);
			if (eq)
				value = eq + 1;
		} else {
			if (a[2] != '\0')
				return usage_error(cmd, "unknown option", a);
			idx = option_index(cmd, NULL, a[1]);
		}
		if (idx < 0)
			return usage_error(cmd, "unknown option", a);
		if (cmd->options[idx].arg) {
			if (!value) {
				if (i + 1 >= argc)
					return usage_error(cmd, "missing value for", a);
				value = argv[++i];
			}
		} else if (value) {
			return usage_error(cmd, "takes no value:", a);
		} else {
			value = "";
		}
		out->values[idx] = value;
	}
	if (out->npos < cmd->min_args)
		return usage_error(cmd, "missing argument", NULL);
	if (cmd->max_args >= 0 && out->npos > cmd->max_args)
		return usage_error(cmd, "too many arguments, starting at", out->pos[cmd->max_args]);
	/* "--" with nothing after it is no command either (execvp(NULL) otherwise). */
	if (cmd->takes_rest && (!out->rest || out->nrest == 0))
		return usage_error(cmd, "expects a command after", "--");
	return 0;
}

const char *cli_opt(const struct cli_args *args, const char *name)
{
	int idx = option_index(args->cmd, name, 0);

	return idx < 0 ? NULL : args->values[idx];
}

bool cli_flag(const struct cli_args *args, const char *name)
{
	return cli_opt(args, name) != NULL;
}
