#include "train/shells.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

/* A shell's history is at most this much: a trainee's session, not a log. */
#define SHELL_HISTORY_MAX (1 << 20)

static bool plain_name(const char *s, size_t max)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n >= 1 && n < max && s[n] == '\0';
}

static char *shells_dir(const char *lab_dir)
{
	return xasprintf("%s/training-shells", lab_dir);
}

char *train_shell_history(const char *lab_dir, const char *host, const char *user)
{
	struct train_record r;
	char *dir, *path;

	if (!plain_name(host, 64) || !plain_name(user, 32))
		return NULL;
	if (train_record_load(lab_dir, &r, NULL) < 0 || r.outcome[0]) {
		error_clear();
		return NULL;
	}
	dir = shells_dir(lab_dir);
	path = xasprintf("%s/%s@%s", dir, host, user);
	if (fs_mkdir_p(dir, 0755, NULL) < 0 ||
	    (!fs_exists(path) && fs_write_string(path, "", 0600, user) < 0)) {
		error_clear(); /* a shell without a history is still a shell */
		free(path);
		path = NULL;
	}
	free(dir);
	return path;
}

void train_shell_env(const char *history, char *env[3])
{
	env[0] = xasprintf("HISTFILE=%s", history);
	env[1] = xstrdup("HISTTIMEFORMAT=%F %T ");
	env[2] = xstrdup("PROMPT_COMMAND=history -a");
}

size_t train_shell_parse(const char *text, const char *host, const char *user,
                         struct train_command **out, size_t n)
{
	const char *line = text;
	double t = -1, last = -1;
	int same = 0;

	while (*line && n < 10000) {
		size_t len = strcspn(line, "\n");
		char *end;

		if (line[0] == '#' && len > 1 && len < 16) {
			double v = strtod(line + 1, &end);

			/* "#EPOCH": the time of the command on the next line */
			t = end == line + len && v > 0 ? v : -1;
		} else if (t > 0 && len > 0) {
			struct train_command c;
			char *p;

			memset(&c, 0, sizeof(c));
			/* bash keeps whole seconds: commands of one second keep their order */
			same = t == last ? same + 1 : 0;
			last = t;
			c.t = t + same * 0.001;
			snprintf(c.host, sizeof(c.host), "%s", host);
			snprintf(c.user, sizeof(c.user), "%s", user);
			snprintf(c.text, sizeof(c.text), "%.*s", (int)(len < 511 ? len : 511), line);
			for (p = c.text; *p; p++)
				if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
					*p = '?';
			*out = xrealloc(*out, (n + 1) * sizeof(**out));
			(*out)[n++] = c;
			t = -1; /* the rest of a multi-line command is not another command */
		}
		line += len + (line[len] != '\0');
	}
	return n;
}

size_t train_shells_load(const char *lab_dir, double since, struct train_command **out,
                         size_t n)
{
	size_t first = n, i;

	char *dir = shells_dir(lab_dir);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char host[64], user[32], *path, *text = NULL;
		const char *at = strchr(de->d_name, '@');
		size_t len = 0;

		if (!at || (size_t)(at - de->d_name) >= sizeof(host))
			continue;
		snprintf(host, sizeof(host), "%.*s", (int)(at - de->d_name), de->d_name);
		snprintf(user, sizeof(user), "%s", at + 1);
		if (!plain_name(host, sizeof(host)) || !plain_name(user, sizeof(user)))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (fs_read_file(path, &text, &len) == 0 && len <= SHELL_HISTORY_MAX &&
		    strlen(text) == len)
			n = train_shell_parse(text, host, user, out, n);
		error_clear();
		free(text);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	/* bash keeps whole seconds: a command of the second the exercise began in is not
	 * from before it */
	for (i = first; i < n; i++)
		if ((*out)[i].t < since && (*out)[i].t >= floor(since))
			(*out)[i].t = since;
	return n;
}

void train_shells_reset(const char *lab_dir)
{
	char *dir = shells_dir(lab_dir);

	if (fs_remove_tree(dir) < 0)
		error_clear();
	free(dir);
}
