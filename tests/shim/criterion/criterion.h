/*
 * tests/shim/criterion/criterion.h — a minimal stand-in for Criterion, used ONLY by the
 * ThreadSanitizer builds of the test suites.
 *
 * Why it exists: Criterion 2.4 (Debian 12) cannot start under TSan. Its sandbox library maps
 * an "inheritable arena" at a random fixed address between 0x2000'0000'0000 and
 * 0x7f00'0000'0000, which TSan reserves for its shadow memory, so the runner aborts ("Could not
 * initialize inheritable arena", Criterion issue #274) or crashes. The TSan builds compile the
 * very same test sources against this header instead (the Makefile puts tests/shim first on the
 * include path) and link tests/shim/runner.c, which runs each test in a forked child like
 * Criterion does. It supports the subset of Criterion the suites use; anything else fails to
 * compile, loudly, rather than silently passing.
 */
#ifndef ACIDB_CRITERION_SHIM_H
#define ACIDB_CRITERION_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct shim_opts {
    void (*init)(void);
    void (*fini)(void);
    double timeout;
    int signal;
    int exit_code;
    bool disabled;
    const char *description;
};

struct shim_test {
    const char *suite, *name;
    void (*fn)(void);
    struct shim_opts *opts;
    struct shim_test *next;
};

struct shim_suite {
    const char *name;
    struct shim_opts *opts;
    struct shim_suite *next;
};

void shim_register_test(struct shim_test *t);
void shim_register_suite(struct shim_suite *s);
void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((noreturn)); /* no format check: "" is the "no message" case; the
                                  * real Criterion builds check the same calls */
void shim_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define Test(suite, name, ...)                                                              \
    static void suite##_##name##_fn(void);                                                  \
    static struct shim_opts suite##_##name##_opts = {__VA_ARGS__};                          \
    static struct shim_test suite##_##name##_t = {#suite, #name, suite##_##name##_fn,       \
                                                  &suite##_##name##_opts, NULL};            \
    __attribute__((constructor)) static void suite##_##name##_reg(void)                     \
    { shim_register_test(&suite##_##name##_t); }                                            \
    static void suite##_##name##_fn(void)

#define TestSuite(suite, ...)                                                               \
    static struct shim_opts suite##_suite_opts = {__VA_ARGS__};                             \
    static struct shim_suite suite##_suite_s = {#suite, &suite##_suite_opts, NULL};         \
    __attribute__((constructor)) static void suite##_suite_reg(void)                        \
    { shim_register_suite(&suite##_suite_s); }

#define cr_assert(cond, ...)                                                                \
    do {                                                                                    \
        if (!(cond))                                                                        \
            shim_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);                           \
    } while (0)
#define cr_expect cr_assert
#define cr_assert_not(cond, ...) cr_assert(!(cond), __VA_ARGS__)
#define cr_fail(...) shim_fail(__FILE__, __LINE__, "cr_fail", "" __VA_ARGS__)
#define cr_assert_fail cr_fail
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) cr_assert(strcmp((a), (b)) != 0, __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...) cr_assert(memcmp((a), (b), (n)) == 0, __VA_ARGS__)
#define cr_expect_eq cr_assert_eq
#define cr_expect_neq cr_assert_neq
#define cr_expect_lt cr_assert_lt
#define cr_expect_leq cr_assert_leq
#define cr_expect_gt cr_assert_gt
#define cr_expect_geq cr_assert_geq
#define cr_expect_null cr_assert_null
#define cr_expect_not_null cr_assert_not_null
#define cr_expect_str_eq cr_assert_str_eq
#define cr_expect_str_neq cr_assert_str_neq
#define cr_log_info(...) shim_log("INFO", __VA_ARGS__)
/* Logs only: the caller returns right after it (as tests/faults does). */
#define cr_skip_test(...) shim_log("SKIP", __VA_ARGS__)
#define cr_log_warn(...) shim_log("WARN", __VA_ARGS__)
#define cr_log_error(...) shim_log("ERR ", __VA_ARGS__)

#endif
