/*
 * icp_plugin.h — the C ABI between icp and its signal plugins, version 1.
 *
 * A plugin is a shared library exporting one function, icp_plugin_entry_v1, which returns
 * a pointer to a static IcpPluginV1 table: the plugin's name and signals, and three
 * functions — init (configuration in, state out, once), evaluate (one signal call over a
 * batch of leads, columnar in and out) and release (frees what evaluate returned). This
 * header is the contract for plugins written in C, C++, Zig or Go; it mirrors the Rust
 * definitions of crates/icp_plugin_api/src/lib.rs, and tests/c_plugin.rs checks every size,
 * field offset and constant against them. docs/plugins.md explains the rules in prose.
 *
 * The rules, in short:
 * - Text is borrowed UTF-8, a pointer and a length (IcpStr), never NUL-terminated.
 * - Whoever allocates frees. icp lends the call and its input columns for the duration of
 *   evaluate; the output column stays the plugin's until icp hands it back to release; an
 *   error message is copied by the sink during the report call.
 * - The library is never unloaded: the table, its declarations and the state returned by
 *   init must live as long as the process.
 * - evaluate may be called from several threads at once with the same state.
 * - Type codes are plain integers (ICP_TYPE_*), never enums.
 * - Minor versions only append fields to IcpPluginV1 and IcpCallV1; the records passed as
 *   arrays (IcpSignalDecl, IcpParamDecl, IcpArgV1, IcpColumn) are fixed for all of 1.x.
 */
#ifndef ICP_PLUGIN_H
#define ICP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The first field of every IcpPluginV1: "ICPPLUGN" as little-endian bytes. */
#define ICP_MAGIC UINT64_C(0x4E47554C50504349)
/* The major version is part of the entry symbol's name. */
#define ICP_ABI_MAJOR 1
/* The minor version this header describes. */
#define ICP_ABI_MINOR 0
/* The one symbol a plugin must export. */
#define ICP_ENTRY_SYMBOL "icp_plugin_entry_v1"
/* Optional: a plugin may also export this, declaring the configuration keys it reads. */
#define ICP_CONFIG_KEYS_SYMBOL "icp_plugin_config_keys_v1"

/* Type codes of parameters, inputs and outputs. */
#define ICP_TYPE_BOOL 1
#define ICP_TYPE_NUMBER 2      /* double */
#define ICP_TYPE_STRING 3
#define ICP_TYPE_DATE 4        /* int32_t days since 1970-01-01 */
#define ICP_TYPE_DURATION 5    /* double, a number of days */
#define ICP_TYPE_STRING_LIST 6

/* IcpSignalDecl.flags: the same inputs and arguments always give the same result. */
#define ICP_FLAG_DETERMINISTIC 1
/* IcpSignalDecl.flags bits 8-15: the built-in order of a text signal's values
   (1 round, 2 seniority, 3 employee_band; 0 none). */
#define ICP_FLAG_ORDER_SHIFT 8
#define ICP_FLAG_ORDER_ROUND (1u << 8)
#define ICP_FLAG_ORDER_SENIORITY (2u << 8)
#define ICP_FLAG_ORDER_EMPLOYEE_BAND (3u << 8)

/* The text code of a missing value in a column of strings. */
#define ICP_MISSING UINT32_MAX

/* The status evaluate returns. */
#define ICP_OK 0
#define ICP_FAILED 1 /* the message went to the error sink */

/* Borrowed UTF-8 text: a pointer and a length in bytes (ptr may be null when len is 0). */
typedef struct IcpStr {
    const uint8_t *ptr;
    size_t len;
} IcpStr;

/* One parameter of a signal. */
typedef struct IcpParamDecl {
    IcpStr name;
    uint32_t ty;      /* an ICP_TYPE_* code */
    uint8_t optional; /* 1 when the rule may leave it out (the argument is then absent) */
} IcpParamDecl;

/* One signal a plugin provides. */
typedef struct IcpSignalDecl {
    IcpStr name;
    IcpStr doc;
    const IcpParamDecl *params;
    size_t n_params;
    uint32_t output; /* the ICP_TYPE_* code of the result */
    /* The lead fields it reads, such as "company.domain" or "contact.email", in the order
     * IcpCallV1.inputs gives them. */
    const IcpStr *inputs;
    size_t n_inputs;
    uint32_t flags; /* ICP_FLAG_DETERMINISTIC */
} IcpSignalDecl;

/* Receives an error message from the plugin; icp copies the text during the call. */
typedef struct IcpErrorSink {
    void *context;
    void (*report)(void *context, IcpStr message);
} IcpErrorSink;

/* A constant argument of a signal call, such as the 90d of raised_within(90d). */
typedef struct IcpArgV1 {
    uint32_t ty;     /* an ICP_TYPE_* code, or 0 for an optional parameter left out */
    uint8_t boolean; /* BOOL: 0 or 1 */
    double number;   /* NUMBER, or DURATION in days */
    int32_t date;    /* DATE, days since 1970-01-01 */
    IcpStr text;     /* STRING */
    const IcpStr *list; /* STRING_LIST: list_len strings */
    size_t list_len;
} IcpArgV1;

/*
 * A column of values over the rows of a batch, in and out. Row i of a column of type
 * - BOOL is bools[i], NUMBER and DURATION numbers[i], DATE dates[i], each known when
 *   valid[i] is 1;
 * - STRING is strings[codes[i]], missing when codes[i] is ICP_MISSING (valid is unused);
 * - STRING_LIST is the strings strings[codes[j]] for j in offsets[i]..offsets[i + 1],
 *   known when valid[i] is 1 (offsets has len + 1 entries).
 * Pointers a type does not use may be null. All arrays must be aligned for their types.
 */
typedef struct IcpColumn {
    uint32_t ty;
    size_t len;
    const uint8_t *valid;
    const uint8_t *bools;
    const double *numbers;
    const int32_t *dates;
    const uint32_t *codes;
    const uint32_t *offsets;
    const IcpStr *strings;
    size_t n_strings;
    /* Owned by whoever filled the column: what the plugin needs to free an output column
     * in release (named "private" in Rust; a C++ keyword, hence the other name here). */
    void *private_data;
} IcpColumn;

/* One signal call over one batch of leads. */
typedef struct IcpCallV1 {
    size_t size;     /* sizeof(IcpCallV1) as icp built it; fields are only appended */
    uint32_t signal; /* the index of the signal in IcpPluginV1.signals */
    const IcpArgV1 *args; /* in parameter order */
    size_t n_args;
    int32_t today; /* the run's as-of date, days since 1970-01-01 */
    size_t rows;   /* the number of leads: the output has exactly this many rows */
    /* One column per declared input. Company fields have one row per lead, contact fields
     * one row per contact, lead i owning contacts contact_offsets[i]..contact_offsets[i+1]. */
    const IcpColumn *inputs;
    size_t n_inputs;
    const uint32_t *contact_offsets; /* rows + 1 entries */
} IcpCallV1;

/* The table the entry function returns. */
typedef struct IcpPluginV1 {
    uint64_t magic;     /* ICP_MAGIC */
    size_t size;        /* sizeof(IcpPluginV1) as the plugin was compiled */
    uint32_t abi_minor; /* ICP_ABI_MINOR as the plugin was compiled */
    IcpStr name;        /* the namespace in rules: funding in funding.raised_within(90d) */
    IcpStr version;
    IcpStr doc;
    const IcpSignalDecl *signals;
    size_t n_signals;
    /* Reads the configuration (a JSON object; relative paths in it are relative to
     * base_dir) and returns the plugin's state, or null after reporting an error. */
    void *(*init)(IcpStr config, IcpStr base_dir, IcpErrorSink *errors);
    /* Evaluates one call into *out and returns ICP_OK, or reports an error and returns
     * ICP_FAILED. May be called from several threads at once with the same state. */
    int32_t (*evaluate)(void *state, const IcpCallV1 *call, IcpColumn *out,
                        IcpErrorSink *errors);
    /* Frees an output column evaluate filled (also after a failed evaluate that set
     * private_data). */
    void (*release)(IcpColumn *out);
} IcpPluginV1;

/* The entry function a plugin defines and exports. */
#if defined(_WIN32)
#define ICP_EXPORT __declspec(dllexport)
#else
#define ICP_EXPORT __attribute__((visibility("default")))
#endif
ICP_EXPORT const IcpPluginV1 *icp_plugin_entry_v1(void);
/* Optional (ICP_CONFIG_KEYS_SYMBOL): sets *n_keys and returns the configuration keys the plugin
 * reads, static for the life of the process, so icp warns about any other key of its
 * [plugins.NAME] table; or returns NULL when the plugin does not say. */
ICP_EXPORT const IcpStr *icp_plugin_config_keys_v1(size_t *n_keys);

/* Reports a NUL-terminated message to a sink (a convenience for C plugins). */
static inline void icp_report(IcpErrorSink *errors, const char *message) {
    if (errors != NULL && errors->report != NULL) {
        size_t len = 0;
        while (message[len] != '\0') {
            len++;
        }
        IcpStr text = {(const uint8_t *)message, len};
        errors->report(errors->context, text);
    }
}

#ifdef __cplusplus
}
#endif

#endif /* ICP_PLUGIN_H */
