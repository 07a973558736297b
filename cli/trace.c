// SPDX-License-Identifier: Apache-2.0
/* scorch trace: placeholder until its module lands; replaced by the module's owner. */
#include "cli/cli.h"

int cmd_trace(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'trace' is not built yet");
	return 1;
}
