#include "train/detect.h"

#include <stdlib.h>
#include <string.h>

static bool holds_a_word(const struct train_def *d, const char *lab_file, const char *text)
{
	bool found = d->ndetect_words == 0;
	size_t i;

	for (i = 0; i < d->ndetect_words && !found; i++) {
		char *word = train_expand(d, d->detect_words[i], lab_file);

		found = strstr(text, word) != NULL;
		free(word);
	}
	return found;
}

long train_detect(const struct train_def *d, const char *lab_file,
                  const struct train_command *cmds, size_t n, double since)
{
	char *host = d->detect_host ? train_expand(d, d->detect_host, lab_file) : NULL;
	long at = -1;
	size_t i;

	for (i = 0; i < n && at < 0; i++)
		if (cmds[i].t >= since && (!host || strcmp(cmds[i].host, host) == 0) &&
		    holds_a_word(d, lab_file, cmds[i].text))
			at = (long)i;
	free(host);
	return at;
}
