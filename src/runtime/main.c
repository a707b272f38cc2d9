/* Stub: berth-runtime CLI, replaced by the real implementation. */
#include <stdio.h>
int main(void)
{
        fprintf(stderr, "berth-runtime: not implemented yet\n");
        return 1;
}
