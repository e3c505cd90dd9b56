/*
 * main.c — the acidb shell's entry point: options, the three modes of operation, and opening
 * a database (with a progress line while it recovers).
 *
 *   acidb [options] [FILE] [SQL ...]
 *
 * With SQL arguments (or -c / -f) it runs them and exits; with standard input not a terminal
 * it reads commands from it; otherwise it is interactive. Exit status: 0 when every statement
 * succeeded, 1 when one failed (or the database could not be opened), 2 for usage errors.
 * Nothing but results goes to standard output; errors and notices go to standard error.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

shell sh;
static int read_only; /* -readonly: every open (the FILE argument, .open) is read-only */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: acidb [OPTIONS] [FILE] [SQL ...]\n"
            "Interactive SQL shell for acidb databases. FILE is created when missing.\n"
            "With SQL arguments (SQL statements or dot-commands) it runs them and exits;\n"
            "with standard input not a terminal it runs the commands read from it.\n"
            "\n"
            "Options:\n"
            "  -c SQL         run SQL (or a dot-command) and exit; may be repeated\n"
            "  -f FILE        run the commands in FILE and exit; may be repeated\n"
            "  -csv, --csv    output in CSV (RFC 4180)\n"
            "  -json, --json  output in JSON\n"
            "  -header        print column headers (default on a terminal only)\n"
            "  -noheader      do not print column headers\n"
            "  -bail, --bail  stop at the first error\n"
            "  -readonly      open the database read-only (other readers may share it)\n"
            "  --demo         create the demo bank schema when missing, print how to try it\n"
            "  -h, --help     show this help and exit\n"
            "  -V, --version  show the version and exit\n"
            "\n"
            "Exit status: 0 success, 1 a statement failed, 2 usage error.\n"
            "Type .help inside the shell for the dot-commands.\n");
}

/* ---- opening ----------------------------------------------------------------------------- */

static void recovery_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
    const char *path = ctx;
    int pct = total ? (int)(done * 100 / total) : 100;
    fprintf(stderr, "\rrecovering %s: %-8s %3d%% (%llu of %llu log bytes)", path, phase, pct,
            (unsigned long long)done, (unsigned long long)total);
    fflush(stderr);
}

void sh_close_db(void)
{
    sess_close_all();
    if (sh.db != NULL) {
        int rc = acidb_close(sh.db);
        if (rc != ACIDB_OK)
            fprintf(stderr, "ERROR:  closing %s: %s\n", sh.path, acidb_errstr(rc));
        sh.db = NULL;
    }
    free(sh.path);
    sh.path = NULL;
}

int sh_open(const char *path)
{
    sh_close_db();
    acidb_options o = acidb_default_options();
    o.read_only = read_only;
    int tty = isatty(STDERR_FILENO);
    if (tty) {
        o.progress = recovery_progress;
        o.progress_ctx = (void *)path;
    }
    acidb_db *db = NULL;
    int rc = acidb_open(path, &o, &db);
    int ran = 0;
    double secs = 0;
    uint64_t bytes = 0;
    if (rc == ACIDB_OK)
        acidb_recovery_info(db, &ran, &secs, &bytes);
    if (tty && ran)
        fputc('\n', stderr);
    if (rc != ACIDB_OK) {
        fprintf(stderr, "ERROR:  cannot open %s: %s\n", path,
                acidb_open_errmsg()[0] ? acidb_open_errmsg() : acidb_errstr(rc));
        return -1;
    }
    if (ran)
        fprintf(stderr, "%s was not closed cleanly: recovered in %.3f s (%llu bytes of log)\n",
                path, secs, (unsigned long long)bytes);
    sh.db = db;
    sh.path = strdup(path);
    sh.cur = sess_create("A");
    return sh.cur ? 0 : -1;
}

/* ---- running ----------------------------------------------------------------------------- */

typedef struct cmd {
    char kind; /* 'c': SQL or dot-command, 'f': file */
    const char *text;
} cmd;

static int utf8_terminal(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    cmd *cmds = calloc((size_t)argc + 1, sizeof *cmds);
    int ncmds = 0, mode = -1, headers = -1, demo = 0;
    const char *file = NULL;
    if (cmds == NULL)
        return 1;
    pthread_mutex_init(&sh.mu, NULL);
    pthread_cond_init(&sh.cv, NULL);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *o = (a[0] == '-' && a[1] == '-' && a[2]) ? a + 1 : a; /* --x == -x */
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                if (file == NULL)
                    file = argv[i];
                else
                    cmds[ncmds++] = (cmd){'c', argv[i]};
            }
            break;
        }
        if (a[0] != '-' || a[1] == 0) {
            if (file == NULL)
                file = a;
            else
                cmds[ncmds++] = (cmd){'c', a};
        } else if (strcmp(o, "-h") == 0 || strcmp(o, "-help") == 0) {
            usage(stdout);
            free(cmds);
            return 0;
        } else if (strcmp(o, "-V") == 0 || strcmp(o, "-version") == 0) {
            printf("acidb %s\nlibrary %s, file format %d, log format %d\n", ACIDB_VERSION,
                   acidb_libversion(), ACIDB_FILE_FORMAT_VERSION, ACIDB_LOG_FORMAT_VERSION);
            free(cmds);
            return 0;
        } else if (strcmp(o, "-c") == 0 || strcmp(o, "-f") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "acidb: option '%s' needs an argument\n"
                                "Try 'acidb --help' for more information.\n", a);
                free(cmds);
                return 2;
            }
            cmds[ncmds++] = (cmd){o[1], argv[++i]};
        } else if (strcmp(o, "-csv") == 0) {
            mode = MODE_CSV;
        } else if (strcmp(o, "-json") == 0) {
            mode = MODE_JSON;
        } else if (strcmp(o, "-header") == 0 || strcmp(o, "-headers") == 0) {
            headers = 1;
        } else if (strcmp(o, "-noheader") == 0) {
            headers = 0;
        } else if (strcmp(o, "-bail") == 0) {
            sh.bail = 1;
        } else if (strcmp(o, "-readonly") == 0) {
            read_only = 1;
        } else if (strcmp(o, "-demo") == 0) {
            demo = 1;
        } else {
            fprintf(stderr, "acidb: unknown option '%s'\n"
                            "Try 'acidb --help' for more information.\n", a);
            free(cmds);
            return 2;
        }
    }
    sh.interactive = ncmds == 0 && isatty(STDIN_FILENO);
    sh.box_ok = utf8_terminal();
    sh.mode = mode >= 0 ? mode : sh.interactive ? (sh.box_ok ? MODE_BOX : MODE_TABLE) : MODE_LIST;
    sh.headers = headers; /* -1: the mode's default (output.c) */
    sh.out = stdout;
    if (file != NULL && sh_open(file) != 0) {
        free(cmds);
        return 1;
    }
    if (demo && sh.cur != NULL)
        demo_create(sh.cur, 0);
    if (ncmds > 0) {
        sh.src = NULL;
        for (int i = 0; i < ncmds && !sh.stop; i++) {
            if (cmds[i].kind == 'f') {
                if (repl_run_file(cmds[i].text) != 0)
                    sh.errors++;
            } else {
                repl_feed_line(cmds[i].text, 1);
                repl_feed_end();
            }
        }
    } else if (sh.interactive) {
        repl_interactive();
    } else {
        sh.src = "<stdin>";
        repl_run_stream(stdin);
    }
    sh_close_db();
    if (sh.out != stdout)
        fclose(sh.out);
    free(cmds);
    return sh.errors > 0 ? 1 : 0;
}
