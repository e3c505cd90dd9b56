/*
 * run.c — child-process plumbing for the shell's scenario tests (run.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/shell/run.h"

char sh_dir[128], sh_db[160];

void sh_setup(void)
{
    snprintf(sh_dir, sizeof sh_dir, "/tmp/acidb-shell-XXXXXX");
    cr_assert(mkdtemp(sh_dir) != NULL, "mkdtemp: %s", strerror(errno));
    snprintf(sh_db, sizeof sh_db, "%s/t.db", sh_dir);
    alarm(60); /* watchdog: a hung shell fails the test */
}

void sh_teardown(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sh_dir);
    if (system(cmd) != 0) {
        /* best effort */
    }
}

static const char *shell_bin(void)
{
    static char path[PATH_MAX];
    const char *env = getenv("ACIDB_BIN");
    if (env != NULL)
        return realpath(env, path) ? path : env; /* the child runs in sh_dir */
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 16);
    if (n > 0) {
        path[n] = 0;
        for (int up = 0; up < 2; up++) { /* .../build/tests/shell -> .../build */
            char *slash = strrchr(path, '/');
            if (slash)
                *slash = 0;
        }
        strcat(path, "/acidb");
        if (access(path, X_OK) == 0)
            return path;
    }
    return realpath("build/acidb", path) ? path : "build/acidb";
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return strdup("");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(m);
    fclose(f);
    return buf;
}

const char *sh_file(const char *name, const char *text)
{
    static char path[300];
    snprintf(path, sizeof path, "%s/%s", sh_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    return path;
}

char *sh_read(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", sh_dir, name);
    return slurp(path);
}

sh_run run_shell(const char *input, const char *const *args)
{
    char in[300], out[300], err[300];
    snprintf(in, sizeof in, "%s/.stdin", sh_dir);
    snprintf(out, sizeof out, "%s/.stdout", sh_dir);
    snprintf(err, sizeof err, "%s/.stderr", sh_dir);
    sh_file(".stdin", input ? input : "");
    const char *bin = shell_bin();
    const char *argv[64];
    int argc = 0;
    argv[argc++] = bin;
    for (int i = 0; args && args[i] && argc < 63; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork");
    if (pid == 0) {
        int fi = open(in, O_RDONLY), fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644),
            fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fi < 0 || fo < 0 || fe < 0 || chdir(sh_dir) != 0)
            _exit(127);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        setenv("HOME", sh_dir, 1);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    sh_run r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp(out);
    r.err = slurp(err);
    cr_assert(r.status != 127, "cannot run %s (set ACIDB_BIN, or run make first)", bin);
    /* The ASan build's shell reports its own leaks on its stderr, which the suite's log (the
     * Makefile's LeakSanitizer check) never sees: check here. */
    cr_assert(strstr(r.err, "ERROR: LeakSanitizer") == NULL, "the shell leaked:\n%s", r.err);
    return r;
}

void run_free(sh_run *r)
{
    free(r->out);
    free(r->err);
}
