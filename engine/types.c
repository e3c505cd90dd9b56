/*
 * types.c — the table of type descriptors and the SQL spellings of type names (types.h).
 */
#include "engine/types.h"

#include <assert.h>
#include <string.h>

/* A built-in row: no module name, no operations (its representation is built in). */
#define T(name, typname, vt, typmod, rank, min, max, msg) \
    {name, typname, vt, typmod, rank, min, max, msg, NULL, NULL}

static const ty_desc ty_table[TY_COUNT] = {
    [TY_NONE] = T("unknown", "unknown", VT_NULL, TYPMOD_NONE, 0, 0, 0, NULL),
    [TY_INT8] = T("bigint", "int8", VT_INT, TYPMOD_NONE, 3, INT64_MIN, INT64_MAX,
                 "bigint out of range"),
    [TY_TEXT] = T("text", "text", VT_TEXT, TYPMOD_LENGTH, 0, 0, 0, NULL),
    [TY_BOOL] = T("boolean", "bool", VT_BOOL, TYPMOD_NONE, 0, 0, 0, NULL),
    [TY_FLOAT8] = T("double precision", "float8", VT_FLOAT, TYPMOD_FLOAT_BITS, 5, 0, 0, NULL),
    [TY_BYTEA] = T("bytea", "bytea", VT_BYTES, TYPMOD_NONE, 0, 0, 0, NULL),
    [TY_UUID] = T("uuid", "uuid", VT_UUID, TYPMOD_NONE, 0, 0, 0, NULL),
    [TY_INT2] = T("smallint", "int2", VT_INT, TYPMOD_NONE, 1, INT16_MIN, INT16_MAX,
                 "smallint out of range"),
    [TY_INT4] = T("integer", "int4", VT_INT, TYPMOD_NONE, 2, INT32_MIN, INT32_MAX,
                 "integer out of range"),
    [TY_FLOAT4] = T("real", "float4", VT_FLOAT, TYPMOD_NONE, 4, 0, 0, NULL),
    [TY_NUMERIC] = T("numeric", "numeric", VT_TEXT, TYPMOD_NONE, 0, 0, 0, NULL),
    [TY_VARCHAR] = T("character varying", "varchar", VT_TEXT, TYPMOD_LENGTH, 0, 0, 0, NULL),
    [TY_BPCHAR] = T("character", "bpchar", VT_TEXT, TYPMOD_LENGTH, 0, 0, 0, NULL),
};

/* Module types (ty_add), and the operations of their representations. Written only before
 * any database is opened (types.h), read-only after. */
static const ty_desc *ext_types[TY_EXT_LAST - TY_EXT_FIRST + 1];
static const ty_ops *ext_ops[VT_EXT_LAST + 1];

const ty_desc *ty_get(int t)
{
    if (t >= TY_EXT_FIRST && t <= TY_EXT_LAST) {
        assert(ext_types[t - TY_EXT_FIRST] != NULL);
        return ext_types[t - TY_EXT_FIRST];
    }
    assert(t >= 0 && t < TY_COUNT && ty_table[t].name != NULL);
    return &ty_table[t];
}

int ty_add(const ty_desc *d)
{
    if (d == NULL || d->vt < VT_EXT_FIRST || d->vt > VT_EXT_LAST || d->ops == NULL ||
        d->sql_name == NULL || d->name == NULL || d->typname == NULL)
        return -1;
    if (ext_ops[d->vt] != NULL && ext_ops[d->vt] != d->ops)
        return -1; /* one representation, one set of operations */
    for (int i = 0; i <= TY_EXT_LAST - TY_EXT_FIRST; i++)
        if (ext_types[i] == NULL) {
            ext_types[i] = d;
            ext_ops[d->vt] = d->ops;
            return TY_EXT_FIRST + i;
        }
    return -1;
}

const ty_desc *ty_ext_get(int t)
{
    return t >= TY_EXT_FIRST && t <= TY_EXT_LAST ? ext_types[t - TY_EXT_FIRST] : NULL;
}

const ty_ops *ty_ext_ops(int vt)
{
    assert(vt >= VT_EXT_FIRST && vt <= VT_EXT_LAST);
    return ext_ops[vt];
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
    for (int i = 0; i <= TY_EXT_LAST - TY_EXT_FIRST && ext_types[i] != NULL; i++)
        if (strcmp(name, ext_types[i]->sql_name) == 0)
            return TY_EXT_FIRST + i;
    return TY_NONE;
}
