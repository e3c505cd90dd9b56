/*
 * dot.c — the dot-commands. Each entry of `cmds` is one command with its usage and help text,
 * so `.help` is generated from the same table that dispatches: what .help says is what runs.
 *
 * Arguments are split on blanks; 'single' or "double" quotes group words. A command returns 0,
 * or -1 after printing an error (which counts as a failed statement for the exit status and
 * -bail).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

#define MAXARGS 8

typedef struct dot_cmd {
    const char *name;
    int min, max;                  /* argument counts */
    int (*run)(int argc, char **argv);
    const char *usage, *help;
} dot_cmd;

static int need_db(void)
{
    if (sh.db == NULL || sh.cur == NULL) {
        fprintf(stderr, "ERROR:  no database is open: use .open FILE\n");
        return -1;
    }
    return 0;
}

/* The current session, when it can be used from the main thread (idle). */
static session *idle_session(void)
{
    if (need_db() != 0)
        return NULL;
    if (!sess_idle(sh.cur)) {
        fprintf(stderr, "ERROR:  session %s is busy (.wait %s, or Ctrl-C to cancel)\n",
                sh.cur->name, sh.cur->name);
        return NULL;
    }
    sess_flush_all();
    return sh.cur;
}

static int on_off(const char *v, int *out)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
        *out = 0;
    else {
        fprintf(stderr, "ERROR:  expected on or off, not \"%s\"\n", v);
        return -1;
    }
    return 0;
}

static int cmd_help(int argc, char **argv);

static int cmd_quit(int argc, char **argv)
{
    (void)argc, (void)argv;
    sh.stop = 1;
    return 0;
}

static int cmd_open(int argc, char **argv)
{
    (void)argc;
    return sh_open(argv[1]);
}

static int cmd_tables(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (need_db() != 0)
        return -1;
    acidb_schema *s = cv_load(sh.db);
    if (s == NULL)
        return -1;
    for (int i = 0; i < s->ntables; i++)
        fprintf(sh.out, "%s\n", s->tables[i].name);
    acidb_free_schema(s);
    return 0;
}

static void print_stmt(const char *sql)
{
    size_t n = strlen(sql);
    while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n'))
        n--;
    fprintf(sh.out, "%.*s;\n", (int)n, sql);
}

static int cmd_schema(int argc, char **argv)
{
    if (need_db() != 0)
        return -1;
    acidb_schema *s = cv_load(sh.db);
    if (s == NULL)
        return -1;
    int found = 0;
    for (int i = 0; i < s->ntables; i++) {
        const acidb_table_info *t = &s->tables[i];
        if (argc > 1 && strcmp(t->name, argv[1]) != 0)
            continue;
        found = 1;
        print_stmt(t->sql);
        for (int j = 0; j < t->nindexes; j++)
            if (t->indexes[j].sql != NULL)
                print_stmt(t->indexes[j].sql);
    }
    acidb_free_schema(s);
    if (argc > 1 && !found) {
        fprintf(stderr, "ERROR:  no table named \"%s\"\n", argv[1]);
        return -1;
    }
    return 0;
}

static int cmd_indexes(int argc, char **argv)
{
    if (need_db() != 0)
        return -1;
    acidb_schema *s = cv_load(sh.db);
    if (s == NULL)
        return -1;
    int found = 0;
    for (int i = 0; i < s->ntables; i++) {
        const acidb_table_info *t = &s->tables[i];
        if (argc > 1 && strcmp(t->name, argv[1]) != 0)
            continue;
        found = 1;
        for (int j = 0; j < t->nindexes; j++) {
            const acidb_index_info *x = &t->indexes[j];
            fprintf(sh.out, "%s on %s (", x->name, t->name);
            for (int k = 0; k < x->ncols; k++)
                fprintf(sh.out, "%s%s", k ? ", " : "", x->cols[k]);
            fprintf(sh.out, ")%s%s\n", x->primary ? " primary key" : x->unique ? " unique" : "",
                    x->sql == NULL ? ", from a constraint" : "");
        }
    }
    acidb_free_schema(s);
    if (argc > 1 && !found) {
        fprintf(stderr, "ERROR:  no table named \"%s\"\n", argv[1]);
        return -1;
    }
    return 0;
}

static int cmd_mode(int argc, char **argv)
{
    if (argc == 1) {
        fprintf(sh.out, "current output mode: %s\n", out_mode_name(sh.mode));
        return 0;
    }
    int m = out_mode_parse(argv[1]);
    if (m < 0) {
        fprintf(stderr, "ERROR:  unknown mode \"%s\": table, box, csv, tsv, json, line or list\n",
                argv[1]);
        return -1;
    }
    sh.mode = m;
    return 0;
}

static int cmd_headers(int argc, char **argv)
{
    (void)argc;
    return on_off(argv[1], &sh.headers);
}

static int cmd_timer(int argc, char **argv)
{
    (void)argc;
    return on_off(argv[1], &sh.timer);
}

static int cmd_bail(int argc, char **argv)
{
    (void)argc;
    return on_off(argv[1], &sh.bail);
}

static int set_output(const char *file, int once)
{
    if (sh.out != stdout)
        fclose(sh.out);
    sh.out = stdout;
    sh.once = 0;
    if (file == NULL || strcmp(file, "stdout") == 0)
        return 0;
    FILE *f = fopen(file, "w");
    if (f == NULL) {
        fprintf(stderr, "ERROR:  cannot write %s: %s\n", file, strerror(errno));
        return -1;
    }
    sh.out = f;
    sh.once = once;
    return 0;
}

static int cmd_output(int argc, char **argv)
{
    return set_output(argc > 1 ? argv[1] : NULL, 0);
}

static int cmd_once(int argc, char **argv)
{
    (void)argc;
    return set_output(argv[1], 1);
}

static int cmd_read(int argc, char **argv)
{
    (void)argc;
    return repl_run_file(argv[1]);
}

static int cmd_import(int argc, char **argv)
{
    (void)argc;
    session *s = idle_session();
    return s ? import_csv(s, argv[1], argv[2]) : -1;
}

static int cmd_dump(int argc, char **argv)
{
    session *s = idle_session();
    return s ? dump_sql(sh.out, s, argc > 1 ? argv[1] : NULL) : -1;
}

static int cmd_check(int argc, char **argv)
{
    (void)argc, (void)argv;
    return need_db() == 0 ? admin_check() : -1;
}

static int cmd_checkpoint(int argc, char **argv)
{
    (void)argc, (void)argv;
    return need_db() == 0 ? admin_checkpoint() : -1;
}

static int cmd_stats(int argc, char **argv)
{
    (void)argc, (void)argv;
    return need_db() == 0 ? admin_stats() : -1;
}

static int cmd_locks(int argc, char **argv)
{
    (void)argc, (void)argv;
    return need_db() == 0 ? admin_locks() : -1;
}

static int valid_name(const char *n)
{
    if (*n == 0 || strlen(n) >= SH_NAME_MAX)
        return 0;
    for (; *n; n++)
        if (!(*n == '_' || (*n >= '0' && *n <= '9') || (*n >= 'a' && *n <= 'z') ||
              (*n >= 'A' && *n <= 'Z')))
            return 0;
    return 1;
}

static int cmd_session(int argc, char **argv)
{
    if (need_db() != 0)
        return -1;
    if (argc == 1) {
        fprintf(sh.out, "%s\n", sh.cur->name);
        return 0;
    }
    const char *name = argv[argc - 1];
    if (argc == 3 && strcmp(argv[1], "close") == 0) {
        fprintf(stderr, "ERROR:  .session close is not supported: sessions live until .open "
                        "or exit\n");
        return -1;
    }
    if (argc == 3 && strcmp(argv[1], "new") != 0) {
        fprintf(stderr, "ERROR:  usage: .session [new] NAME\n");
        return -1;
    }
    if (!valid_name(name)) {
        fprintf(stderr, "ERROR:  a session name is letters, digits and _ (at most %d)\n",
                SH_NAME_MAX - 1);
        return -1;
    }
    session *s = sess_find(name);
    if (s != NULL && argc == 3) {
        fprintf(stderr, "ERROR:  session \"%s\" already exists\n", name);
        return -1;
    }
    if (s == NULL && (s = sess_create(name)) == NULL)
        return -1;
    sh.cur = s;
    return 0;
}

static int cmd_sessions(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (need_db() != 0)
        return -1;
    sess_flush_all();
    sess_list(sh.out);
    return 0;
}

static int cmd_wait(int argc, char **argv)
{
    if (need_db() != 0)
        return -1;
    if (argc == 1) {
        for (int i = 0; i < sh.nsessions; i++)
            sess_wait(sh.sessions[i]);
        return 0;
    }
    session *s = sess_find(argv[1]);
    if (s == NULL) {
        fprintf(stderr, "ERROR:  no session named \"%s\"\n", argv[1]);
        return -1;
    }
    sess_wait(s);
    return 0;
}

static int cmd_cancel(int argc, char **argv)
{
    if (need_db() != 0)
        return -1;
    session *s = argc > 1 ? sess_find(argv[1]) : sh.cur;
    if (s == NULL) {
        fprintf(stderr, "ERROR:  no session named \"%s\"\n", argv[1]);
        return -1;
    }
    if (!sess_idle(s))
        acidb_interrupt(s->conn);
    return 0;
}

static int cmd_demo(int argc, char **argv)
{
    (void)argc, (void)argv;
    session *s = idle_session();
    return s ? demo_create(s, 0) : -1;
}

static const dot_cmd cmds[] = {
    {"help", 0, 1, cmd_help, ".help [COMMAND]", "show this help, or one command's"},
    {"quit", 0, 0, cmd_quit, ".quit", "leave (open transactions are rolled back)"},
    {"exit", 0, 0, cmd_quit, ".exit", "leave (open transactions are rolled back)"},
    {"open", 1, 1, cmd_open, ".open FILE", "close the database and open FILE (created if missing)"},
    {"tables", 0, 0, cmd_tables, ".tables", "list the tables"},
    {"schema", 0, 1, cmd_schema, ".schema [TABLE]", "show CREATE statements"},
    {"indexes", 0, 1, cmd_indexes, ".indexes [TABLE]", "list indexes with their columns"},
    {"mode", 0, 1, cmd_mode, ".mode table|box|csv|tsv|json|line|list", "set the output format"},
    {"headers", 1, 1, cmd_headers, ".headers on|off", "show column headers or not"},
    {"timer", 1, 1, cmd_timer, ".timer on|off", "show the wall time of each statement"},
    {"output", 0, 1, cmd_output, ".output [FILE]", "send results to FILE (none: back to stdout)"},
    {"once", 1, 1, cmd_once, ".once FILE", "send the next statement's results to FILE"},
    {"read", 1, 1, cmd_read, ".read FILE", "run the commands in FILE"},
    {"bail", 1, 1, cmd_bail, ".bail on|off", "stop at the first error"},
    {"import", 2, 2, cmd_import, ".import FILE TABLE",
     "load a CSV file with a header row into TABLE, all rows or none"},
    {"dump", 0, 1, cmd_dump, ".dump [TABLE]", "SQL that recreates the schema and the data"},
    {"check", 0, 0, cmd_check, ".check", "integrity check of the whole file"},
    {"checkpoint", 0, 0, cmd_checkpoint, ".checkpoint", "checkpoint now"},
    {"stats", 0, 0, cmd_stats, ".stats", "cache, log, commit and lock counters"},
    {"locks", 0, 0, cmd_locks, ".locks", "granted and awaited locks, who waits for whom"},
    {"session", 0, 2, cmd_session, ".session [new] NAME",
     "switch to session NAME, creating it if needed (its own connection and transaction)"},
    {"sessions", 0, 0, cmd_sessions, ".sessions", "list the sessions and their transaction state"},
    {"wait", 0, 1, cmd_wait, ".wait [NAME]", "wait until session NAME (default: all) is idle"},
    {"cancel", 0, 1, cmd_cancel, ".cancel [NAME]", "cancel the statement running in a session"},
    {"demo", 0, 0, cmd_demo, ".demo", "create the demo bank schema (accounts, transfers)"},
};
#define NCMDS ((int)(sizeof cmds / sizeof cmds[0]))

static int cmd_help(int argc, char **argv)
{
    for (int i = 0; i < NCMDS; i++)
        if (argc == 1 || strcmp(cmds[i].name, argv[1] + (argv[1][0] == '.')) == 0)
            fprintf(sh.out, "%-40s %s\n", cmds[i].usage, cmds[i].help);
    if (argc == 1)
        fprintf(sh.out, "\n%-40s %s\n", "@NAME SQL", "run SQL in session NAME without switching");
    return 0;
}

/* Splits line into words (quotes group). Returns the count, or -1. */
static int split(char *line, char **argv)
{
    int argc = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == 0)
            break;
        if (argc == MAXARGS)
            return -1;
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            argv[argc++] = p;
            while (*p && *p != q)
                p++;
            if (*p == 0) {
                fprintf(stderr, "ERROR:  unterminated quote\n");
                return -1;
            }
            *p++ = 0;
        } else {
            argv[argc++] = p;
            while (*p && *p != ' ' && *p != '\t')
                p++;
            if (*p)
                *p++ = 0;
        }
    }
    return argc;
}

int dot_run(const char *line, int lineno)
{
    (void)lineno;
    char *copy = strdup(line + 1), *argv[MAXARGS + 1];
    if (copy == NULL)
        return -1;
    size_t n = strlen(copy);
    while (n > 0 && (copy[n - 1] == '\r' || copy[n - 1] == ' ' || copy[n - 1] == ';'))
        copy[--n] = 0;
    int argc = split(copy, argv), rc = -1;
    if (argc <= 0) {
        if (argc == 0)
            fprintf(stderr, "ERROR:  empty dot-command (try .help)\n");
        free(copy);
        return -1;
    }
    const dot_cmd *c = NULL;
    for (int i = 0; i < NCMDS && !c; i++)
        if (strcmp(cmds[i].name, argv[0]) == 0)
            c = &cmds[i];
    if (c == NULL)
        fprintf(stderr, "ERROR:  unknown command \".%s\" (try .help)\n", argv[0]);
    else if (argc - 1 < c->min || argc - 1 > c->max)
        fprintf(stderr, "ERROR:  usage: %s\n", c->usage);
    else
        rc = c->run(argc, argv);
    fflush(sh.out);
    free(copy);
    return rc;
}
