/* panelctl file ls|cat|put|mv|cp|rm|mkdir|chmod|prefs: the file manager (AlternC 1.0's m_bro) on a
 * member's web space, every path relative to it and walked without following a link; and the
 * member's file manager preferences. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum {
	OPT_FROM = 256,
	OPT_UPLOAD,
	OPT_EDITSIZEX,
	OPT_EDITSIZEY,
	OPT_LISTMODE,
	OPT_SHOWICONS,
	OPT_DOWNFMT,
	OPT_CREATEFILE,
	OPT_SHOWTYPE,
	OPT_EDITOR_FONT,
	OPT_EDITOR_SIZE,
	OPT_GOLASTDIR,
	OPT_LASTDIR,
	OPT_WRITABLE,
};

/* The positional arguments of a verb without options: exactly n of them (more when max > n). */
static int positionals(cli_args *a, cli *c, int argc, char **argv, int n, int max,
		       const char *usage)
{
	int rc;

	if ((rc = cli_no_options(a, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(a) < n || cli_positional_count(a) > max)
		return cli_usage_error(c, "usage: panelctl file %s", usage);
	return 0;
}

static const char *type_name(panel_file_type t)
{
	return t == PANEL_FILE_REGULAR	   ? "file"
	       : t == PANEL_FILE_DIRECTORY ? "folder"
	       : t == PANEL_FILE_LINK	   ? "link"
					   : "other";
}

static int file_row(cli_table *t, const void *item)
{
	const panel_file *f = item;
	char size[24], mode[8], mtime[24] = "", name[520];
	time_t when = (time_t)f->mtime;
	struct tm tm;

	snprintf(size, sizeof(size), "%llu", (unsigned long long)f->size);
	snprintf(mode, sizeof(mode), "%04o", f->mode);
	if (gmtime_r(&when, &tm))
		strftime(mtime, sizeof(mtime), "%Y-%m-%d %H:%M", &tm);
	snprintf(name, sizeof(name), "%s%s%s", f->name, f->type == PANEL_FILE_LINK ? " -> " : "",
		 f->type == PANEL_FILE_LINK ? f->target : "");
	const char *cells[] = {type_name(f->type), mode, size, mtime, name};
	return cli_table_add(t, cells);
}

static json_t *file_json(const void *item)
{
	return panel_file_to_json(item);
}

static const char *const file_headers[] = {"TYPE", "MODE", "SIZE", "MODIFIED (UTC)", "NAME"};
static const cli_listing file_rows = {5, file_headers, file_row, file_json};

static int file_ls(cli *c, int argc, char **argv)
{
	panel_file_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = positionals(&args, c, argc, argv, 1, 2, "ls LOGIN [PATH]")) != 0)
		return rc;
	const char *path = cli_positional_count(&args) == 2 ? cli_positional(&args, 1) : "/";
	if (cli_open(c) < 0 ||
	    panel_file_list_get(&list, c->p, &c->actor, cli_positional(&args, 0), path) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &file_rows, CLI_LIST_VIEW(list));
	panel_file_list_free(list);
	return rc;
}

static int file_cat(cli *c, int argc, char **argv)
{
	cli_args args;
	char *data = NULL;
	size_t size = 0;
	int rc;

	if ((rc = positionals(&args, c, argc, argv, 2, 2, "cat LOGIN PATH")) != 0)
		return rc;
	const char *path = cli_positional(&args, 1);
	if (cli_open(c) < 0 ||
	    panel_file_read(&data, &size, c->p, &c->actor, cli_positional(&args, 0), path) < 0)
		return cli_fail(c);
	if (c->json) {
		/* JSON strings are UTF-8: binary content is only for the raw output. */
		json_t *text = json_stringn(data, size);
		panel_file_data_free(data);
		if (!text)
			return cli_error(c, PANEL_EINVALID,
					 "%s is not UTF-8 text: cat it without"
					 " --json",
					 path);
		cli_print_json(json_pack("{s:s, s:I, s:o}", "path", path, "size", (json_int_t)size,
					 "content", text));
		return 0;
	}
	rc = fwrite(data, 1, size, stdout) == size && fflush(stdout) == 0
		 ? 0
		 : cli_error(c, PANEL_ERROR, "writing the content: %s", strerror(errno));
	panel_file_data_free(data);
	return rc;
}

/* The whole of stream into *data (freed by the caller); -1 on a read error or past max. */
static int slurp(char **data, size_t *size, FILE *in, size_t max)
{
	size_t cap = 65536;

	*size = 0;
	if (!(*data = malloc(cap)))
		return -1;
	for (;;) {
		if (*size == cap) {
			char *grown = cap > max ? NULL : realloc(*data, cap * 2);
			if (!grown)
				return -1;
			*data = grown;
			cap *= 2;
		}
		size_t n = fread(*data + *size, 1, cap - *size, in);
		*size += n;
		if (n == 0)
			return ferror(in) ? -1 : 0;
	}
}

static int write_from(cli *c, const char *login, const char *path, const char *from, int upload)
{
	FILE *in = !from || strcmp(from, "-") == 0 ? stdin : fopen(from, "rb");
	char *data = NULL;
	size_t size = 0;
	int created = 0, rc;

	if (!in)
		return cli_error(c, PANEL_EINVALID, "%s: %s", from, strerror(errno));
	rc = slurp(&data, &size, in, (size_t)4 << 30);
	if (in != stdin)
		fclose(in);
	if (rc < 0) {
		free(data);
		return cli_error(c, PANEL_EINVALID, "reading %s failed or it is too large",
				 from ? from : "standard input");
	}
	rc = panel_file_write(&created, c->p, &c->actor, login, path, data, size,
			      upload ? PANEL_FILE_UPLOAD : PANEL_FILE_EDIT);
	free(data);
	if (rc < 0)
		return cli_fail(c);
	return cli_done(c,
			json_pack("{s:s, s:I, s:b}", "path", path, "size", (json_int_t)size,
				  "created", created),
			"%s %s (%zu bytes)", path, created ? "created" : "replaced", size);
}

static int file_put(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"from", required_argument, NULL, OPT_FROM},
	    {"upload", no_argument, NULL, OPT_UPLOAD},
	    {NULL, 0, NULL, 0},
	};
	const char *from = NULL;
	int upload = 0, opt, rc = 0;
	cli_args args;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt == OPT_FROM)
			from = optarg;
		else if (opt == OPT_UPLOAD)
			upload = 1;
		else
			return rc;
	}
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(
		    c, "usage: panelctl file put LOGIN PATH [--from FILE|-] [--upload]");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return write_from(c, cli_positional(&args, 0), cli_positional(&args, 1), from, upload);
}

/* mv and cp: LOGIN FROM TO. */
static int file_move(cli *c, int argc, char **argv, int copy)
{
	cli_args args;
	int rc;

	if ((rc = positionals(&args, c, argc, argv, 3, 3,
			      copy ? "cp LOGIN FROM TO" : "mv LOGIN FROM TO")) != 0)
		return rc;
	const char *login = cli_positional(&args, 0), *from = cli_positional(&args, 1),
		   *to = cli_positional(&args, 2);
	if (cli_open(c) < 0 || (copy ? panel_file_copy(c->p, &c->actor, login, from, to)
				     : panel_file_rename(c->p, &c->actor, login, from, to)) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:s}", "from", from, "to", to), "%s %s to %s",
			copy ? "copied" : "moved", from, to);
}

static int file_mv(cli *c, int argc, char **argv)
{
	return file_move(c, argc, argv, 0);
}

static int file_cp(cli *c, int argc, char **argv)
{
	return file_move(c, argc, argv, 1);
}

static int file_rm(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"yes", no_argument, NULL, CLI_OPT_YES},
	    {NULL, 0, NULL, 0},
	};
	int yes = 0, opt, rc = 0;
	cli_args args;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != CLI_OPT_YES)
			return rc;
		yes = 1;
	}
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(c, "usage: panelctl file rm LOGIN PATH --yes");
	const char *login = cli_positional(&args, 0), *path = cli_positional(&args, 1);
	if (!yes)
		return cli_usage_error(c,
				       "file rm deletes %s (a folder with all it holds): confirm"
				       " with --yes",
				       path);
	if (cli_open(c) < 0 || panel_file_delete(c->p, &c->actor, login, path) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "path", path, "deleted", 1), "%s deleted", path);
}

static int file_mkdir(cli *c, int argc, char **argv)
{
	cli_args args;
	int rc;

	if ((rc = positionals(&args, c, argc, argv, 2, 2, "mkdir LOGIN PATH")) != 0)
		return rc;
	const char *path = cli_positional(&args, 1);
	if (cli_open(c) < 0 ||
	    panel_file_mkdir(c->p, &c->actor, cli_positional(&args, 0), path) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s}", "path", path), "folder %s made", path);
}

static int file_chmod(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"writable", required_argument, NULL, OPT_WRITABLE},
	    {NULL, 0, NULL, 0},
	};
	int writable = -1, opt, rc = 0;
	unsigned mode = 0;
	char text[8];
	cli_args args;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_WRITABLE)
			return rc;
		writable = cli_parse_bool(optarg);
	}
	if (cli_positional_count(&args) != 2 || writable < 0)
		return cli_usage_error(c,
				       "usage: panelctl file chmod LOGIN PATH --writable yes|no");
	const char *path = cli_positional(&args, 1);
	if (cli_open(c) < 0 ||
	    panel_file_chmod(&mode, c->p, &c->actor, cli_positional(&args, 0), path, writable) < 0)
		return cli_fail(c);
	snprintf(text, sizeof(text), "%04o", mode);
	return cli_done(c, json_pack("{s:s, s:s}", "path", path, "mode", text), "%s: mode %s", path,
			text);
}

static void print_prefs(const cli *c, const panel_file_prefs *f)
{
	if (c->json) {
		cli_print_json(panel_file_prefs_to_json(f));
		return;
	}
	cli_kv_u64("editsizex", f->editsizex);
	cli_kv_u64("editsizey", f->editsizey);
	cli_kv_u64("listmode", f->listmode);
	cli_kv("showicons", f->showicons ? "yes" : "no");
	cli_kv_u64("downfmt", f->downfmt);
	cli_kv("createfile", f->createfile ? "yes" : "no");
	cli_kv("showtype", f->showtype ? "yes" : "no");
	cli_kv("editor_font", f->editor_font);
	cli_kv("editor_size", f->editor_size);
	cli_kv("golastdir", f->golastdir ? "yes" : "no");
	cli_kv("lastdir", f->lastdir);
}

/* Applies one option of file prefs to f. 0, or -1 for a malformed value. */
static int pref_option(panel_file_prefs *f, int opt, const char *v)
{
	uint64_t n = 0;
	int b = cli_parse_bool(v);
	unsigned *num = opt == OPT_EDITSIZEX   ? &f->editsizex
			: opt == OPT_EDITSIZEY ? &f->editsizey
			: opt == OPT_LISTMODE  ? &f->listmode
			: opt == OPT_DOWNFMT   ? &f->downfmt
					       : NULL;
	int *flag = opt == OPT_SHOWICONS    ? &f->showicons
		    : opt == OPT_CREATEFILE ? &f->createfile
		    : opt == OPT_SHOWTYPE   ? &f->showtype
		    : opt == OPT_GOLASTDIR  ? &f->golastdir
					    : NULL;
	char *text = opt == OPT_EDITOR_FONT   ? f->editor_font
		     : opt == OPT_EDITOR_SIZE ? f->editor_size
		     : opt == OPT_LASTDIR     ? f->lastdir
					      : NULL;
	size_t size = opt == OPT_EDITOR_FONT   ? sizeof(f->editor_font)
		      : opt == OPT_EDITOR_SIZE ? sizeof(f->editor_size)
					       : sizeof(f->lastdir);

	if (num)
		return cli_parse_u64(&n, v, 100000) == 0 ? (*num = (unsigned)n, 0) : -1;
	if (flag)
		return b >= 0 ? (*flag = b, 0) : -1;
	if (text && strlen(v) < size) {
		memcpy(text, v, strlen(v) + 1);
		return 0;
	}
	return -1;
}

static int file_prefs(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"editsizex", required_argument, NULL, OPT_EDITSIZEX},
	    {"editsizey", required_argument, NULL, OPT_EDITSIZEY},
	    {"listmode", required_argument, NULL, OPT_LISTMODE},
	    {"showicons", required_argument, NULL, OPT_SHOWICONS},
	    {"downfmt", required_argument, NULL, OPT_DOWNFMT},
	    {"createfile", required_argument, NULL, OPT_CREATEFILE},
	    {"showtype", required_argument, NULL, OPT_SHOWTYPE},
	    {"editor-font", required_argument, NULL, OPT_EDITOR_FONT},
	    {"editor-size", required_argument, NULL, OPT_EDITOR_SIZE},
	    {"golastdir", required_argument, NULL, OPT_GOLASTDIR},
	    {"lastdir", required_argument, NULL, OPT_LASTDIR},
	    {NULL, 0, NULL, 0},
	};
	int given[16] = {0}, opt, rc = 0, changes = 0;
	const char *values[16] = {NULL};
	panel_file_prefs f;
	cli_args args;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt < OPT_EDITSIZEX || opt > OPT_LASTDIR)
			return rc;
		given[opt - OPT_EDITSIZEX] = 1;
		values[opt - OPT_EDITSIZEX] = optarg;
		changes++;
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl file prefs LOGIN [--OPTION VALUE]...");
	const char *login = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_file_prefs_get(&f, c->p, &c->actor, login) < 0)
		return cli_fail(c);
	for (int i = 0; i <= OPT_LASTDIR - OPT_EDITSIZEX; i++)
		if (given[i] && pref_option(&f, OPT_EDITSIZEX + i, values[i]) < 0)
			return cli_usage_error(c, "file prefs: bad value \"%s\" for --%s",
					       values[i], options[i].name);
	if (changes && panel_file_prefs_set(c->p, &c->actor, login, &f) < 0)
		return cli_fail(c);
	print_prefs(c, &f);
	return 0;
}

static const struct cli_verb file_verbs[] = {
    {"ls", file_ls, "LOGIN [PATH]",
     "list a folder of a member's web space (links are shown, never followed)"},
    {"cat", file_cat, "LOGIN PATH", "print a file of the web space"},
    {"put", file_put, "LOGIN PATH [--from FILE|-] [--upload]",
     "create or replace a file from FILE or standard input ([files] max_size, or "
     "upload_max_size with --upload)"},
    {"mv", file_mv, "LOGIN FROM TO", "rename or move a file or folder inside the web space"},
    {"cp", file_cp, "LOGIN FROM TO", "copy a file or folder inside the web space"},
    {"rm", file_rm, "LOGIN PATH --yes", "delete a file, link or folder of the web space"},
    {"mkdir", file_mkdir, "LOGIN PATH", "make a folder in the web space"},
    {"chmod", file_chmod, "LOGIN PATH --writable yes|no",
     "set or clear the owner's write permission of a file or folder"},
    {"prefs", file_prefs,
     "LOGIN [--editsizex N] [--editsizey N] [--listmode N] [--showicons yes|no] [--downfmt N] "
     "[--createfile yes|no] [--showtype yes|no] [--editor-font F] [--editor-size S] "
     "[--golastdir yes|no] [--lastdir DIR]",
     "show, or with options set, the member's file manager preferences"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_file = {"file", file_verbs};
