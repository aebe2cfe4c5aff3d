/* A signal plugin in C: two signals over the company's domain.
 *
 *   cc -shared -fPIC -I include -o libplugin_cdomain.so tests/c_plugin/plugin.c
 *
 * In rules: cdomain.length >= 10, cdomain.ends_with(".io"). */
#include <stdlib.h>
#include <string.h>

#include "icp_plugin.h"

#define TEXT(s) {(const uint8_t *)(s), sizeof(s) - 1}

static const IcpStr domain_input[] = {TEXT("company.domain")};
static const IcpParamDecl ends_with_params[] = {{TEXT("suffix"), ICP_TYPE_STRING, 0}};

static const IcpSignalDecl signals[] = {
    {TEXT("length"), TEXT("The number of bytes of the company's domain."), NULL, 0,
     ICP_TYPE_NUMBER, domain_input, 1, ICP_FLAG_DETERMINISTIC},
    {TEXT("ends_with"), TEXT("Whether the company's domain ends with the suffix."),
     ends_with_params, 1, ICP_TYPE_BOOL, domain_input, 1, ICP_FLAG_DETERMINISTIC},
};

/* The plugin keeps no state; init returns this address so that it is not null. */
static int state;

static void *init(IcpStr config, IcpStr base_dir, IcpErrorSink *errors) {
    (void)config;
    (void)base_dir;
    (void)errors;
    return &state;
}

/* An output column and the one block behind all its arrays, freed by release. */
static int32_t fill(const IcpCallV1 *call, IcpColumn *out, IcpErrorSink *errors) {
    const IcpColumn *domains = &call->inputs[0];
    size_t rows = call->rows;
    double *numbers = malloc(rows * sizeof(double) + rows * 2 + 1);
    if (numbers == NULL) {
        icp_report(errors, "out of memory");
        return ICP_FAILED;
    }
    uint8_t *valid = (uint8_t *)(numbers + rows);
    uint8_t *bools = valid + rows;
    IcpStr suffix = call->signal == 1 ? call->args[0].text : (IcpStr){NULL, 0};
    for (size_t i = 0; i < rows; i++) {
        uint32_t code = domains->codes[i];
        valid[i] = code != ICP_MISSING;
        IcpStr domain = valid[i] ? domains->strings[code] : (IcpStr){NULL, 0};
        numbers[i] = (double)domain.len;
        bools[i] = domain.len >= suffix.len &&
                   (suffix.len == 0 ||
                    memcmp(domain.ptr + domain.len - suffix.len, suffix.ptr, suffix.len) == 0);
    }
    memset(out, 0, sizeof *out);
    out->ty = signals[call->signal].output;
    out->len = rows;
    out->valid = valid;
    out->numbers = numbers;
    out->bools = bools;
    out->private_data = numbers;
    return ICP_OK;
}

static int32_t evaluate(void *state, const IcpCallV1 *call, IcpColumn *out,
                        IcpErrorSink *errors) {
    (void)state;
    if (call->signal >= sizeof signals / sizeof signals[0] || call->n_inputs != 1 ||
        call->inputs[0].ty != ICP_TYPE_STRING) {
        icp_report(errors, "called with a signal or inputs it does not declare");
        return ICP_FAILED;
    }
    return fill(call, out, errors);
}

static void release(IcpColumn *out) {
    free(out->private_data);
    memset(out, 0, sizeof *out);
}

static const IcpPluginV1 table = {
    ICP_MAGIC, sizeof(IcpPluginV1), ICP_ABI_MINOR,
    TEXT("cdomain"), TEXT("0.1.0"), TEXT("Signals over the company's domain, written in C."),
    signals, sizeof signals / sizeof signals[0],
    init, evaluate, release,
};

ICP_EXPORT const IcpPluginV1 *icp_plugin_entry_v1(void) { return &table; }
