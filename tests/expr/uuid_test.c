/*
 * uuid_test.c — UUID values: PostgreSQL's input forms and output, key order equal to value
 * order on random values (EXPR_SEED=<n> replays), and gen_random_uuid's version 4 values.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/record.h"
#include "tests/expr/build.h"

TestSuite(uuid, .init = t_init, .fini = t_fini);

static void reads_as(const char *in, const char *want)
{
    value v;
    cr_assert_eq(t_run(x_cast(x_text(in), TY_UUID), &v), 0, "%s: %s", in, ERR.msg);
    cr_assert_eq(v.type, VT_UUID);
    char out[37];
    val_uuid_text((const uint8_t *)v.u.s, out);
    cr_assert_str_eq(out, want, "%s", in);
    cr_assert_eq(t_run(x_cast(x_cast(x_text(in), TY_UUID), TY_TEXT), &v), 0);
    cr_assert(v.type == VT_TEXT && v.len == 36 && memcmp(v.u.s, want, 36) == 0);
}

Test(uuid, input_forms_and_output)
{
    const char *want = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    reads_as("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", want);
    reads_as("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", want);
    reads_as("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", want);
    reads_as("a0eebc999c0b4ef8bb6d6bb9bd380a11", want);
    reads_as("a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", want);
    static const char *bad[] = {"", "{}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
                                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111", " a0eebc999c0b4ef8bb6d6bb9bd380a11",
                                "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99--9c0b4ef8bb6d6bb9bd380a11",
                                "{a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11}",
                                "-a0eebc999c0b4ef8bb6d6bb9bd380a11"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t_fails(x_cast(x_text(bad[i]), TY_UUID), "22P02", bad[i]);
        char msg[128];
        snprintf(msg, sizeof msg, "invalid input syntax for type uuid: \"%s\"", bad[i]);
        cr_assert_str_eq(ERR.msg, msg);
    }
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int sgn(int x) { return (x > 0) - (x < 0); }

Test(uuid, key_order_is_value_order_and_rows_round_trip)
{
    const char *e = getenv("EXPR_SEED");
    uint64_t s = e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
    s = s ? s : 1;
    fprintf(stderr, "uuid.key_order_is_value_order_and_rows_round_trip: EXPR_SEED=%llu\n",
            (unsigned long long)s);
    for (int i = 0; i < 5000; i++) {
        uint8_t a[16], b[16];
        for (int k = 0; k < 16; k++) {
            a[k] = (uint8_t)(rnd(&s) % 3 == 0 ? 0 : rnd(&s));
            b[k] = (uint8_t)(rnd(&s) % 2 ? a[k] : rnd(&s)); /* often a long common prefix */
        }
        value va = val_uuid(a), vb = val_uuid(b);
        rec_buf ka = {0}, kb = {0};
        rec_key_value(&ka, &va);
        rec_key_value(&kb, &vb);
        cr_assert(ka.len == 17 && kb.len == 17);
        cr_assert_eq(sgn(memcmp(ka.p, kb.p, 17)), val_cmp(&va, &vb));
        value d = {.type = VT_UUID};
        size_t off = 0;
        cr_assert_eq(rec_key_decode_value(ka.p, ka.len, &off, &T, &d), 0);
        cr_assert(d.type == VT_UUID && memcmp(d.u.s, a, 16) == 0);
        uint8_t *row;
        size_t len;
        value back;
        cr_assert_eq(rec_encode(&va, 1, -1, &row, &len), 0);
        cr_assert_eq(rec_decode(row, len, 0, &back, 1), 0);
        cr_assert(back.type == VT_UUID && back.len == 16 && memcmp(back.u.s, a, 16) == 0);
        cr_assert_eq(rec_decode(row, len - 1, 0, &back, 1), -1, "a truncated uuid is refused");
        free(row);
        rec_buf_free(&ka);
        rec_buf_free(&kb);
    }
}

Test(uuid, gen_random_uuid_is_version_4_and_never_repeats)
{
    uint8_t seen[200][16];
    for (int i = 0; i < 200; i++) {
        value v;
        cr_assert_eq(t_run(x_func("gen_random_uuid", 0), &v), 0, "%s", ERR.msg);
        cr_assert(v.type == VT_UUID && v.len == 16);
        const uint8_t *u = (const uint8_t *)v.u.s;
        cr_assert_eq(u[6] >> 4, 4, "version 4");
        cr_assert_eq(u[8] >> 6, 2, "RFC 4122 variant");
        for (int j = 0; j < i; j++)
            cr_assert_neq(memcmp(seen[j], u, 16), 0, "repeated value");
        memcpy(seen[i], u, 16);
    }
}
