/*
 * runner.c — the test runner behind tests/shim/criterion/criterion.h (TSan builds only; see
 * that header for why). Each test runs in a forked child with the suite's and the test's
 * init/fini, a timeout, and the expected signal or exit code; the parent prints a
 * Criterion-style line per failure and the same "Synthesis" summary, and exits non-zero if any
 * test failed or crashed. `--jobs N` and `--verbose` are accepted and ignored (tests run one
 * at a time, which is what TSan wants anyway); a single argument `suite::name` or a prefix
 * filters tests.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct shim_test *tests;
static struct shim_suite *suites;
static void (*current_fini)(void); /* run by shim_fail too, as Criterion runs .fini always */

void shim_register_test(struct shim_test *t)
{
    t->next = tests;
    tests = t;
}

void shim_register_suite(struct shim_suite *s)
{
    s->next = suites;
    suites = s;
}

void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    fprintf(stderr, "[----] %s:%d: Assertion failed: ", file, line);
    if (fmt[0] != '\0') {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    } else {
        fputs(expr, stderr);
    }
    fputc('\n', stderr);
    void (*fini)(void) = current_fini;
    current_fini = NULL; /* an assertion inside fini must not recurse */
    if (fini)
        fini();
    fflush(NULL);
    _exit(1);
}

void shim_log(const char *level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%s] ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static struct shim_opts *suite_opts(const char *name)
{
    for (struct shim_suite *s = suites; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s->opts;
    return NULL;
}

/* Runs one test in a child; returns 0 pass, 1 fail, 2 crash. */
static int run_one(struct shim_test *t)
{
    struct shim_opts *so = suite_opts(t->suite);
    double timeout = t->opts->timeout ? t->opts->timeout : (so && so->timeout ? so->timeout : 0);
    if (timeout <= 0)
        timeout = 900; /* a hang must fail the run, not stall make test forever */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (timeout > 0)
            alarm((unsigned)(timeout + 0.999));
        void (*init)(void) = t->opts->init ? t->opts->init : (so ? so->init : NULL);
        void (*fini)(void) = t->opts->fini ? t->opts->fini : (so ? so->fini : NULL);
        current_fini = fini;
        if (init)
            init();
        t->fn();
        current_fini = NULL;
        if (fini)
            fini();
        fflush(NULL);
        _exit(0);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 2;
    int want_sig = t->opts->signal, want_code = t->opts->exit_code;
    if (WIFSIGNALED(status))
        return WTERMSIG(status) == want_sig && want_sig != 0 ? 0 : 2;
    if (want_sig != 0)
        return 1;
    return WEXITSTATUS(status) == want_code ? 0 : (WEXITSTATUS(status) == 1 ? 1 : 2);
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--jobs") == 0 || strcmp(argv[i], "-j") == 0)
            i++;
        else if (strncmp(argv[i], "--", 2) != 0 && argv[i][0] != '-')
            filter = argv[i];
    }
    int tested = 0, passing = 0, failing = 0, crashing = 0;
    for (struct shim_test *t = tests; t; t = t->next) {
        char full[256];
        snprintf(full, sizeof full, "%s::%s", t->suite, t->name);
        struct shim_opts *so = suite_opts(t->suite);
        if (t->opts->disabled || (so && so->disabled))
            continue;
        if (filter && strncmp(full, filter, strlen(filter)) != 0)
            continue;
        tested++;
        int r = run_one(t);
        if (r == 0) {
            passing++;
        } else if (r == 1) {
            failing++;
            fprintf(stderr, "[FAIL] %s\n", full);
        } else {
            crashing++;
            failing++;
            fprintf(stderr, "[FAIL] %s: CRASH\n", full);
        }
    }
    printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: %d \n", tested,
           passing, failing, crashing);
    if (tested == 0) {
        fprintf(stderr, "no test matched%s%s\n", filter ? " " : "", filter ? filter : "");
        return 1;
    }
    return failing ? 1 : 0;
}
