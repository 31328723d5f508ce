/* The `train` module: what an exercise declares (train.exercise, brief, hint, solution,
 * breaks, goal, forbid) and what its breaking hands to its goals (remember, recall). Only
 * an exercise loaded by `pgdrill train` may call it. */
#include <stdlib.h>
#include <string.h>

#include "lab/model.h"
#include "lua/context.h"
#include "lua/train.h"
#include "util/error.h"

void train_def_init(struct train_def *d)
{
	memset(d, 0, sizeof(*d));
	d->failover = -1;
	d->breaks_ref = LUA_NOREF;
}

void train_def_free(struct train_def *d)
{
	size_t i;

	free(d->title);
	free(d->brief);
	free(d->solution);
	for (i = 0; i < d->nhints; i++)
		free(d->hints[i].text);
	for (i = 0; i < d->ngoals; i++)
		free(d->goals[i].name);
	for (i = 0; i < d->nforbids; i++)
		free(d->forbids[i].name);
	free(d->detect_host);
	for (i = 0; i < d->ndetect_words; i++)
		free(d->detect_words[i]);
	for (i = 0; i < d->nmemory; i++) {
		free(d->keys[i]);
		free(d->values[i]);
	}
	train_def_init(d);
}

bool train_key_ok(const char *key)
{
	size_t n = strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n >= 1 && n <= 32 && key[n] == '\0';
}

bool train_value_ok(const char *value)
{
	const unsigned char *p = (const unsigned char *)value;

	for (; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return p - (const unsigned char *)value <= 256;
}

int train_remember(struct train_def *d, const char *key, const char *value)
{
	size_t i;

	if (!train_key_ok(key))
		return error_set("train.remember: bad key '%.40s' (lower-case letters, digits, '_', "
		                 "at most 32)",
		                 key);
	if (!train_value_ok(value))
		return error_set("train.remember: the value of '%s' is not printable text of at most "
		                 "256 bytes",
		                 key);
	for (i = 0; i < d->nmemory; i++)
		if (strcmp(d->keys[i], key) == 0) {
			free(d->values[i]);
			d->values[i] = xstrdup(value);
			return 0;
		}
	if (d->nmemory == TRAIN_MAX_ITEMS)
		return error_set("train.remember: at most %d values", TRAIN_MAX_ITEMS);
	d->keys[d->nmemory] = xstrdup(key);
	d->values[d->nmemory++] = xstrdup(value);
	return 0;
}

char *train_expand(const struct train_def *d, const char *text, const char *lab_file)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = text;

	while (*p) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		const char *value = NULL;
		size_t i, n = close ? (size_t)(close - p - 1) : 0;

		if (close && n == 3 && strncmp(p + 1, "lab", 3) == 0)
			value = lab_file;
		for (i = 0; close && !value && i < d->nmemory; i++)
			if (strlen(d->keys[i]) == n && strncmp(p + 1, d->keys[i], n) == 0)
				value = d->values[i];
		if (value) {
			strbuf_puts(&sb, value);
			p = close + 1;
		} else {
			strbuf_putc(&sb, *p++);
		}
	}
	return strbuf_detach(&sb);
}

static struct train_def *def_of(lua_State *L, const char *fn)
{
	struct drill_ctx *c = ctx_get(L);

	if (!c || !c->train)
		luaL_error(L, "%s: only an exercise may call it (pgdrill train)", fn);
	return c->train;
}

/* A text argument stored once: a second call is a mistake in the exercise. */
static int set_text(lua_State *L, char **slot, const char *fn)
{
	const char *text = luaL_checkstring(L, 1);

	if (*slot)
		return luaL_error(L, "%s: given twice", fn);
	*slot = xstrdup(text);
	return 0;
}

/* train.exercise{name=, failover="manual"|"automatic"} */
static int t_exercise(lua_State *L)
{
	static const char *const modes[] = {"automatic", "manual", NULL};
	struct train_def *d = def_of(L, "train.exercise");
	const char *name = opt_string_field(L, 1, "name", NULL, "train.exercise");
	const char *failover = opt_string_field(L, 1, "failover", NULL, "train.exercise");
	int i;

	if (!name)
		return luaL_error(L, "bad argument #1 to 'train.exercise' (field 'name' is required)");
	if (d->title)
		return luaL_error(L, "train.exercise: given twice");
	if (failover) {
		for (i = 0; modes[i] && strcmp(modes[i], failover) != 0; i++)
			;
		if (!modes[i])
			return luaL_error(L,
			                  "bad argument #1 to 'train.exercise' (field 'failover': "
			                  "\"automatic\" or \"manual\", got \"%s\")",
			                  failover);
		d->failover = i == 0 ? FAILOVER_AUTOMATIC : FAILOVER_MANUAL;
	}
	d->title = xstrdup(name);
	return 0;
}

static int t_brief(lua_State *L)
{
	return set_text(L, &def_of(L, "train.brief")->brief, "train.brief");
}

static int t_solution(lua_State *L)
{
	return set_text(L, &def_of(L, "train.solution")->solution, "train.solution");
}

/* train.hint(level, text): levels from 1 up, one each, in order. */
static int t_hint(lua_State *L)
{
	struct train_def *d = def_of(L, "train.hint");
	lua_Integer level = luaL_checkinteger(L, 1);
	const char *text = luaL_checkstring(L, 2);

	if (level != (lua_Integer)d->nhints + 1)
		return luaL_error(L, "train.hint: level %d expected next, got %d", (int)d->nhints + 1,
		                  (int)level);
	if (d->nhints == TRAIN_MAX_ITEMS)
		return luaL_error(L, "train.hint: at most %d hints", TRAIN_MAX_ITEMS);
	d->hints[d->nhints].level = (int)level;
	d->hints[d->nhints++].text = xstrdup(text);
	return 0;
}

/* train.detect{host=, words={...}}: which command of the trainee's shows the cause was
 * found, for the time to detect. */
static int t_detect(lua_State *L)
{
	struct train_def *d = def_of(L, "train.detect");
	const char *host = opt_string_field(L, 1, "host", NULL, "train.detect");
	lua_Integer i, n;

	if (d->detect_set)
		return luaL_error(L, "train.detect: given twice");
	lua_getfield(L, 1, "words");
	n = lua_isnil(L, -1) ? 0 : (luaL_checktype(L, -1, LUA_TTABLE), luaL_len(L, -1));
	if (n > TRAIN_MAX_ITEMS)
		return luaL_error(L, "train.detect: at most %d words", TRAIN_MAX_ITEMS);
	for (i = 1; i <= n; i++) {
		lua_geti(L, -1, i);
		if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
			return luaL_error(L, "bad argument #1 to 'train.detect' (words[%d]: a word "
			                  "expected)",
			                  (int)i);
		d->detect_words[d->ndetect_words++] = xstrdup(lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	d->detect_host = host ? xstrdup(host) : NULL;
	d->detect_set = true;
	return 0;
}

static int t_breaks(lua_State *L)
{
	struct train_def *d = def_of(L, "train.breaks");

	luaL_checktype(L, 1, LUA_TFUNCTION);
	if (d->breaks_ref != LUA_NOREF)
		return luaL_error(L, "train.breaks: given twice");
	lua_settop(L, 1);
	d->breaks_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

static int add_item(lua_State *L, struct train_item *items, size_t *n, const char *fn)
{
	const char *name = luaL_checkstring(L, 1);
	size_t i;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	for (i = 0; i < *n; i++)
		if (strcmp(items[i].name, name) == 0)
			return luaL_error(L, "%s: '%s' given twice", fn, name);
	if (*n == TRAIN_MAX_ITEMS)
		return luaL_error(L, "%s: at most %d", fn, TRAIN_MAX_ITEMS);
	lua_settop(L, 2);
	items[*n].ref = luaL_ref(L, LUA_REGISTRYINDEX);
	items[(*n)++].name = xstrdup(name);
	return 0;
}

/* train.goal(name, fn): fn() returns true once the trainee fixed this, and a detail. */
static int t_goal(lua_State *L)
{
	struct train_def *d = def_of(L, "train.goal");

	return add_item(L, d->goals, &d->ngoals, "train.goal");
}

/* train.forbid(name, fn): fn() returns true when the trainee did what the exercise rules
 * out (a fix that is not one): the exercise is failed. */
static int t_forbid(lua_State *L)
{
	struct train_def *d = def_of(L, "train.forbid");

	return add_item(L, d->forbids, &d->nforbids, "train.forbid");
}

static int t_remember(lua_State *L)
{
	struct train_def *d = def_of(L, "train.remember");
	const char *key = luaL_checkstring(L, 1), *value = luaL_checkstring(L, 2);

	if (train_remember(d, key, value) < 0) {
		lua_pushstring(L, error_last());
		error_clear();
		return lua_error(L);
	}
	return 0;
}

static int t_recall(lua_State *L)
{
	struct train_def *d = def_of(L, "train.recall");
	const char *key = luaL_checkstring(L, 1);
	size_t i;

	for (i = 0; i < d->nmemory; i++)
		if (strcmp(d->keys[i], key) == 0) {
			lua_pushstring(L, d->values[i]);
			return 1;
		}
	lua_pushnil(L);
	return 1;
}

int luaopen_pgdrill_train(lua_State *L)
{
	static const luaL_Reg fns[] = {
	    {"exercise", t_exercise}, {"brief", t_brief},   {"solution", t_solution},
	    {"hint", t_hint},         {"breaks", t_breaks}, {"goal", t_goal},
	    {"forbid", t_forbid},     {"remember", t_remember}, {"recall", t_recall},
	    {"detect", t_detect},
	    {NULL, NULL},
	};

	luaL_newlib(L, fns);
	return 1;
}

int train_break(struct engine *e, struct train_def *d)
{
	lua_State *L = engine_lua(e);

	if (d->breaks_ref == LUA_NOREF)
		return error_set("the exercise does not say how it breaks the lab (train.breaks)");
	lua_rawgeti(L, LUA_REGISTRYINDEX, d->breaks_ref);
	return engine_call(e, 0, 0);
}

int train_eval(struct engine *e, const struct train_item *it, struct strbuf *detail)
{
	lua_State *L = engine_lua(e);
	int held;

	lua_rawgeti(L, LUA_REGISTRYINDEX, it->ref);
	if (engine_call(e, 0, 2) < 0) {
		const char *msg = error_last();

		strbuf_add(detail, msg, strcspn(msg, "\n")); /* not the traceback */
		error_clear();
		return 0;
	}
	held = lua_toboolean(L, -2);
	if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
		strbuf_puts(detail, lua_tostring(L, -1));
	lua_pop(L, 2);
	return held;
}
