/*
 * types.c — the table of type descriptors and the SQL spellings of type names (types.h).
 */
#include "engine/types.h"

#include <assert.h>
#include <string.h>

static const ty_desc ty_table[TY_COUNT] = {
    [TY_NONE] = {"unknown", "unknown", VT_NULL, TYPMOD_NONE, 0, 0, 0, NULL},
    [TY_INT8] = {"bigint", "int8", VT_INT, TYPMOD_NONE, 3, INT64_MIN, INT64_MAX,
                 "bigint out of range"},
    [TY_TEXT] = {"text", "text", VT_TEXT, TYPMOD_LENGTH, 0, 0, 0, NULL},
    [TY_BOOL] = {"boolean", "bool", VT_BOOL, TYPMOD_NONE, 0, 0, 0, NULL},
    [TY_FLOAT8] = {"double precision", "float8", VT_FLOAT, TYPMOD_FLOAT_BITS, 5, 0, 0, NULL},
    [TY_BYTEA] = {"bytea", "bytea", VT_BYTES, TYPMOD_NONE, 0, 0, 0, NULL},
    [TY_UUID] = {"uuid", "uuid", VT_UUID, TYPMOD_NONE, 0, 0, 0, NULL},
    [TY_INT2] = {"smallint", "int2", VT_INT, TYPMOD_NONE, 1, INT16_MIN, INT16_MAX,
                 "smallint out of range"},
    [TY_INT4] = {"integer", "int4", VT_INT, TYPMOD_NONE, 2, INT32_MIN, INT32_MAX,
                 "integer out of range"},
    [TY_FLOAT4] = {"real", "float4", VT_FLOAT, TYPMOD_NONE, 4, 0, 0, NULL},
    [TY_NUMERIC] = {"numeric", "numeric", VT_TEXT, TYPMOD_NONE, 0, 0, 0, NULL},
    [TY_VARCHAR] = {"character varying", "varchar", VT_TEXT, TYPMOD_LENGTH, 0, 0, 0, NULL},
    [TY_BPCHAR] = {"character", "bpchar", VT_TEXT, TYPMOD_LENGTH, 0, 0, 0, NULL},
};

const ty_desc *ty_get(int t)
{
    assert(t >= 0 && t < TY_COUNT && ty_table[t].name != NULL);
    return &ty_table[t];
}

const char *ty_name(int t)
{
    return ty_get(t)->name;
}

int ty_int_wider(int a, int b)
{
    assert(ty_is_int(a) && ty_is_int(b));
    return ty_get(a)->rank >= ty_get(b)->rank ? a : b;
}

int ty_arith_result(int a, int b)
{
    assert(ty_is_number(a) && ty_is_number(b));
    if (ty_is_int(a) && ty_is_int(b))
        return ty_int_wider(a, b);
    /* float4 op float4 is float4 (float4pl, ...); every other mix resolves to the float8
     * operator: int2/int4/int8 cast implicitly to float8 (PostgreSQL's preferred type of
     * the numeric category), and float4 casts to float8. */
    return a == TY_FLOAT4 && b == TY_FLOAT4 ? TY_FLOAT4 : TY_FLOAT8;
}

int ty_lookup(const char *name, int allow_serial, uint8_t *serial)
{
    /* PostgreSQL's names (src/backend/parser/gram.y and pg_type): SERIAL is integer with a
     * sequence, BIGSERIAL bigint, SMALLSERIAL smallint. */
    static const struct {
        const char *name;
        uint8_t tid, serial;
    } names[] = {
        {"integer", TY_INT4, 0},     {"int", TY_INT4, 0},        {"int4", TY_INT4, 0},
        {"int8", TY_INT8, 0},        {"bigint", TY_INT8, 0},     {"smallint", TY_INT2, 0},
        {"int2", TY_INT2, 0},        {"text", TY_TEXT, 0},       {"varchar", TY_VARCHAR, 0},
        {"boolean", TY_BOOL, 0},     {"bool", TY_BOOL, 0},       {"serial", TY_INT4, 1},
        {"serial4", TY_INT4, 1},     {"serial8", TY_INT8, 1},    {"bigserial", TY_INT8, 1},
        {"smallserial", TY_INT2, 1}, {"serial2", TY_INT2, 1},
        {"real", TY_FLOAT4, 0},      {"float4", TY_FLOAT4, 0},   {"float8", TY_FLOAT8, 0},
        {"float", TY_FLOAT8, 0},     {"bytea", TY_BYTEA, 0},
        {"uuid", TY_UUID, 0},        {"char", TY_BPCHAR, 0},     {"character", TY_BPCHAR, 0},
        {"bpchar", TY_BPCHAR, 0},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) != 0 || (names[i].serial && !allow_serial))
            continue;
        if (serial)
            *serial = names[i].serial;
        return names[i].tid;
    }
    return TY_NONE;
}
