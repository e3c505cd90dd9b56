/*
 * sqlstate.h — the SQLSTATE codes the engine answers, named as PostgreSQL names them
 * (src/backend/utils/errcodes.txt: ERRCODE_* there, the same suffix here), so a code is
 * written once and a reader sees what it means. Each is the five-character string the public
 * API returns (acidb_sqlstate). Which internal status maps to which code: sqlerr.c.
 */
#ifndef ACIDB_ENGINE_SQLSTATE_H
#define ACIDB_ENGINE_SQLSTATE_H

/* Class 00 — successful completion */
#define ERRCODE_SUCCESSFUL_COMPLETION "00000"

/* Class 08 — connection exception */
#define ERRCODE_CONNECTION_DOES_NOT_EXIST "08003"
#define ERRCODE_PROTOCOL_VIOLATION "08P01"

/* Class 0A — feature not supported */
#define ERRCODE_FEATURE_NOT_SUPPORTED "0A000"

/* Class 22 — data exception */
#define ERRCODE_STRING_DATA_RIGHT_TRUNCATION "22001"
#define ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE "22003"
#define ERRCODE_DIVISION_BY_ZERO "22012"
#define ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED "2200H"
#define ERRCODE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE "2201W"
#define ERRCODE_INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE "2201X"
#define ERRCODE_CHARACTER_NOT_IN_REPERTOIRE "22021"
#define ERRCODE_INVALID_PARAMETER_VALUE "22023"
#define ERRCODE_INVALID_ESCAPE_SEQUENCE "22025"
#define ERRCODE_INVALID_TEXT_REPRESENTATION "22P02"

/* Class 23 — integrity constraint violation */
#define ERRCODE_NOT_NULL_VIOLATION "23502"
#define ERRCODE_FOREIGN_KEY_VIOLATION "23503"
#define ERRCODE_UNIQUE_VIOLATION "23505"
#define ERRCODE_CHECK_VIOLATION "23514"

/* Class 24 — invalid cursor state */
#define ERRCODE_INVALID_CURSOR_STATE "24000"

/* Class 25 — invalid transaction state */
#define ERRCODE_READ_ONLY_SQL_TRANSACTION "25006"
#define ERRCODE_IN_FAILED_SQL_TRANSACTION "25P02"

/* Class 2B — dependent privilege descriptors still exist */
#define ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST "2BP01"

/* Class 40 — transaction rollback */
#define ERRCODE_T_R_DEADLOCK_DETECTED "40P01"

/* Class 42 — syntax error or access rule violation */
#define ERRCODE_SYNTAX_ERROR "42601"
#define ERRCODE_DUPLICATE_COLUMN "42701"
#define ERRCODE_AMBIGUOUS_COLUMN "42702"
#define ERRCODE_UNDEFINED_COLUMN "42703"
#define ERRCODE_UNDEFINED_OBJECT "42704"
#define ERRCODE_DUPLICATE_ALIAS "42712"
#define ERRCODE_AMBIGUOUS_FUNCTION "42725"
#define ERRCODE_GROUPING_ERROR "42803"
#define ERRCODE_DATATYPE_MISMATCH "42804"
#define ERRCODE_CANNOT_COERCE "42846"
#define ERRCODE_WRONG_OBJECT_TYPE "42809"
#define ERRCODE_INVALID_FOREIGN_KEY "42830"
#define ERRCODE_UNDEFINED_FUNCTION "42883"
#define ERRCODE_GENERATED_ALWAYS "428C9"
#define ERRCODE_UNDEFINED_TABLE "42P01"
#define ERRCODE_UNDEFINED_PARAMETER "42P02"
#define ERRCODE_DUPLICATE_TABLE "42P07"
#define ERRCODE_INVALID_COLUMN_REFERENCE "42P10"
#define ERRCODE_INVALID_TABLE_DEFINITION "42P16"

/* Class 53 — insufficient resources */
#define ERRCODE_INSUFFICIENT_RESOURCES "53000"
#define ERRCODE_DISK_FULL "53100"
#define ERRCODE_OUT_OF_MEMORY "53200"

/* Class 54 — program limit exceeded */
#define ERRCODE_PROGRAM_LIMIT_EXCEEDED "54000"
#define ERRCODE_STATEMENT_TOO_COMPLEX "54001"
#define ERRCODE_TOO_MANY_COLUMNS "54011"

/* Class 55 — object not in prerequisite state */
#define ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE "55000"
#define ERRCODE_OBJECT_IN_USE "55006"
#define ERRCODE_LOCK_NOT_AVAILABLE "55P03"

/* Class 57 — operator intervention */
#define ERRCODE_QUERY_CANCELED "57014"

/* Class 58 — system error */
#define ERRCODE_IO_ERROR "58030"
#define ERRCODE_UNDEFINED_FILE "58P01"

/* Class XX — internal error */
#define ERRCODE_INTERNAL_ERROR "XX000"
#define ERRCODE_DATA_CORRUPTED "XX001"
#define ERRCODE_INDEX_CORRUPTED "XX002"

#endif
