/* A shared library that is no icp plugin: its constructor runs as soon as the library is
   opened, before icp can look for the entry symbol, and creates the file named by
   ICP_TEST_MARKER. tests/untrusted_plugin.rs checks that `icp check --no-plugin-code`
   never opens it. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void leave_a_marker(void) {
    const char *path = getenv("ICP_TEST_MARKER");
    if (path != NULL) {
        FILE *file = fopen(path, "w");
        if (file != NULL) {
            fputs("the library's code ran\n", file);
            fclose(file);
        }
    }
}
